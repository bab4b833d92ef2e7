// /openapi.json declares what the service really sends: for every status of every
// operation (and of the token endpoints) that a test can provoke, the real answer is
// validated against the schema the document declares for that status. The 400 of an
// operation is its own message with ErrorCode 100, not {"Message":…}.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';
import { bearer } from '../helpers/http.ts';
import { CASHIER } from '../helpers/fixtures.ts';
import { tryItExample } from '../../src/http/help/try-it.ts';
import { clientUpdate } from '../../src/contract/client-update.ts';
import { clientCreate } from '../../src/contract/client-create.ts';
import { getClient } from '../../src/contract/get-client.ts';
import { clientInfo } from '../../src/contract/client-info.ts';
import { clientHistory } from '../../src/contract/client-history.ts';
import type { OperationDecl } from '../../src/contract/types.ts';

const OPERATIONS: OperationDecl[] = [clientUpdate, clientCreate, getClient, clientInfo, clientHistory];
const DOC_ID = 'https://lcm.invalid/openapi.json';
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

describe('/openapi.json against real answers', () => {
  let s: Seeded;
  let doc: { paths: Record<string, { post: { responses: Record<string, { content?: Record<string, unknown> }> } }> };
  let ajv: InstanceType<typeof Ajv2020>;
  let auth: string;
  before(async () => {
    s = await seededApp('sqlite');
    doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    // OpenAPI's own keywords (xml, example) are not JSON Schema: ignored; int32/int64 formats too.
    ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ ...doc, $id: DOC_ID });
    auth = await bearer(s.app, CASHIER);
  });
  after(async () => s.close());

  /** Validates a JSON answer against the schema declared for its path and status. */
  function check(path: string, status: number, body: string, what: string): void {
    const declared = doc.paths[path]!.post.responses[String(status)];
    assert.ok(declared, `${what}: status ${status} is declared for ${path}`);
    assert.ok(declared.content?.['application/json'], `${what}: ${status} declares a JSON body`);
    const validate = ajv.compile({ $ref: `${DOC_ID}#/${pointer('paths', path, 'post', 'responses', String(status), 'content', 'application/json', 'schema')}` });
    const ok = validate(JSON.parse(body));
    assert.ok(ok, `${what}: ${status} ${body}\n${JSON.stringify(validate.errors)}`);
  }

  it('the validator is really checking: an HttpError body is not a 400 of an operation, nor the reverse', () => {
    const path = clientUpdate.routes[0]!;
    const v400 = ajv.compile({ $ref: `${DOC_ID}#/${pointer('paths', path, 'post', 'responses', '400', 'content', 'application/json', 'schema')}` });
    assert.equal(v400({ Message: 'x' }), false);
    const v401 = ajv.compile({ $ref: `${DOC_ID}#/${pointer('paths', path, 'post', 'responses', '401', 'content', 'application/json', 'schema')}` });
    assert.equal(v401({ ErrorCode: 100, Message: 'x' }), false);
  });

  for (const op of OPERATIONS) {
    it(`${op.name}: 200, 400, 401, 403, 405, 413, 415 are as declared`, async () => {
      const path = op.routes[0]!;
      const post = async (body: string, headers: Record<string, string> = {}) =>
        s.app.inject({ method: 'POST', url: path, headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json', ...headers }, payload: body });
      const example = tryItExample(op);

      const ok = await post(JSON.stringify(example));
      assert.equal(ok.statusCode, 200);
      assert.equal(ok.json().ErrorCode, 0, `the Try it example of ${op.name} succeeds: ${ok.body}`);
      check(path, 200, ok.body, op.name);

      const unreadable = await post('{"x":');
      assert.equal(unreadable.statusCode, 400);
      assert.equal(unreadable.json().ErrorCode, 100);
      check(path, 400, unreadable.body, op.name);

      const anonymous = await s.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: '{}' });
      assert.equal(anonymous.statusCode, 401);
      check(path, 401, anonymous.body, op.name);

      const names = new Set(op.request.fields.map((f) => f.name));
      const foreign = names.has('Token') ? { Token: 999 } : names.has('OperatorId') ? { OperatorId: 2 } : { Operator: 2 };
      const forbidden = await post(JSON.stringify({ ...example, ...foreign }));
      assert.equal(forbidden.statusCode, 403, forbidden.body);
      check(path, 403, forbidden.body, op.name);

      const get = await s.app.inject({ method: 'GET', url: path, headers: { authorization: auth, accept: 'application/json' } });
      assert.equal(get.statusCode, 405);
      check(path, 405, get.body, op.name);

      const large = await post(JSON.stringify({ Name: 'x'.repeat(200_000) }));
      assert.equal(large.statusCode, 413);
      check(path, 413, large.body, op.name);

      const text = await post('hello', { 'content-type': 'text/plain' });
      assert.equal(text.statusCode, 415);
      check(path, 415, text.body, op.name);
    });
  }

  it('ManagerLogin: 200, 400, 401, 405, 429 are as declared', async () => {
    const form = (body: string) => s.app.inject({ method: 'POST', url: '/ManagerLogin', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
    const ok = await form('grant_type=password&username=cashier&password=secret');
    check('/ManagerLogin', ok.statusCode, ok.body, 'sign-in');
    const json = await s.app.inject({ method: 'POST', url: '/ManagerLogin', headers: { 'content-type': 'application/json' }, payload: '{}' });
    check('/ManagerLogin', json.statusCode, json.body, 'JSON body');
    const wrong = await form('grant_type=password&username=other&password=wrong');
    check('/ManagerLogin', wrong.statusCode, wrong.body, 'wrong password');
    const get = await s.app.inject({ method: 'GET', url: '/ManagerLogin' });
    check('/ManagerLogin', get.statusCode, get.body, 'GET');
    let locked;
    for (let i = 0; i < 6; i++) locked = await form('grant_type=password&username=other&password=wrong');
    assert.equal(locked!.statusCode, 429);
    check('/ManagerLogin', 429, locked!.body, 'locked');
    assert.deepEqual([ok.statusCode, json.statusCode, wrong.statusCode, get.statusCode], [200, 400, 401, 405]);
  });
});
