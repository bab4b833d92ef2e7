// GET /openapi.json: a valid OpenAPI 3.1 document (checked by @readme/openapi-parser) of
// exactly the served operations and the token endpoints, derived from the declarations.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileErrors, validate } from '@readme/openapi-parser';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';
import { clientUpdate } from '../../src/contract/client-update.ts';
import { clientCreate } from '../../src/contract/client-create.ts';
import { getClient } from '../../src/contract/get-client.ts';
import { clientInfo } from '../../src/contract/client-info.ts';
import { clientHistory } from '../../src/contract/client-history.ts';
import type { OperationDecl } from '../../src/contract/types.ts';
import { clientConsents } from '../../src/contract/client-consents.ts';
import { clientDeliveries } from '../../src/contract/client-deliveries.ts';
import { clientSearch } from '../../src/contract/client-search.ts';
import { getConfirmCode } from '../../src/contract/get-confirm-code.ts';
import { setClientPassword } from '../../src/contract/set-client-password.ts';

const OPERATIONS: readonly OperationDecl[] = [clientUpdate, clientCreate, getClient, clientInfo, clientHistory, clientConsents, clientDeliveries, clientSearch, getConfirmCode, setClientPassword];

interface Doc {
  openapi: string;
  paths: Record<string, { post: { description?: string; security: unknown[]; requestBody: { content: Record<string, { schema: { $ref?: string } }> }; responses: Record<string, unknown> } }>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas: Record<string, { properties: Record<string, unknown> }> };
}

describe('GET /openapi.json', () => {
  let s: Seeded;
  let doc: Doc;
  before(async () => {
    s = await seededApp('sqlite');
    const res = await s.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    doc = res.json() as Doc;
  });
  after(async () => s.close());

  it('is valid OpenAPI 3.1', async () => {
    assert.equal(doc.openapi, '3.1.0');
    const result = await validate(structuredClone(doc) as never);
    assert.ok(result.valid, result.valid ? '' : compileErrors(result));
  });

  it('the validator does reject a broken copy (it is really checking)', async () => {
    const broken = structuredClone(doc);
    broken.paths[clientUpdate.routes[0]!]!.post.requestBody.content['application/json']!.schema = { $ref: '#/components/schemas/Nope' };
    assert.equal((await validate(broken as never)).valid, false);
  });

  it('has every operation with its three request media types, bearer security (none for the anonymous ones) and ErrorCode table', () => {
    assert.deepEqual(Object.keys(doc.paths).sort(), [...OPERATIONS.map((op) => op.routes[0]!), '/ManagerLogin', '/ClientLogin'].sort());
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, { ...doc.components.securitySchemes.bearerAuth, type: 'http', scheme: 'bearer' });
    for (const op of OPERATIONS) {
      const post = doc.paths[op.routes[0]!]!.post;
      assert.deepEqual(Object.keys(post.requestBody.content), ['application/json', 'application/xml', 'application/x-www-form-urlencoded'], op.name);
      assert.deepEqual(post.security, op.anonymous ? [] : [{ bearerAuth: [] }], op.name);
      assert.equal('401' in post.responses, !op.anonymous, op.name);
      assert.equal('429' in post.responses, op.rateLimited === true, op.name);
      assert.ok(post.responses['200']);
      for (const e of op.errors) assert.ok(post.description!.includes(`| ${e.code} | ${e.message.replace(/</g, '&lt;').replace(/>/g, '&gt;')} |`), `${op.name} ${e.code}`);
      const schema = doc.components.schemas[op.request.typeName]!;
      assert.deepEqual(Object.keys(schema.properties), op.request.fields.map((f) => f.name));
      assert.deepEqual(Object.keys(doc.components.schemas[op.response.typeName]!.properties), op.response.fields.map((f) => f.name));
    }
  });

  it('shows the Idempotency-Key header, 409 and 422 on the idempotent operations only', () => {
    for (const op of OPERATIONS) {
      const post = doc.paths[op.routes[0]!]!.post as unknown as { parameters?: { name: string; in: string; required: boolean }[]; responses: Record<string, unknown> };
      const header = post.parameters?.find((p) => p.name === 'Idempotency-Key');
      assert.equal(Boolean(header), op.idempotent === true, op.name);
      assert.equal(Boolean(post.responses['422'] && post.responses['409']), op.idempotent === true, op.name);
      if (header) assert.deepEqual([header.in, header.required], ['header', false]);
    }
    assert.deepEqual(OPERATIONS.filter((op) => op.idempotent).map((op) => op.name), ['ClientUpdate', 'ClientCreate']);
  });

  it('has the token endpoints with form bodies and no bearer', () => {
    for (const path of ['/ManagerLogin', '/ClientLogin']) {
      const post = doc.paths[path]!.post;
      assert.deepEqual(Object.keys(post.requestBody.content), ['application/x-www-form-urlencoded']);
      assert.deepEqual(post.security, []);
    }
  });
});
