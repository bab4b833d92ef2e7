// /openapi.json declares what the service really sends: for every status of every
// operation (and of the token endpoints) that a test can provoke, the real answer is
// validated against the schema the document declares for that status. The 400 of an
// operation is its own message with ErrorCode 100, not {"Message":…}. The server holds the
// demo data a first start creates, and the operations are called with the "Try it" examples
// built from it, as the demo manager signed in at /ManagerLogin (the anonymous operations
// with no token): they answer as README's /swagger says.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { createTestStore } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { lockKeyTable } from '../helpers/lock-key-table.ts';
import { buildApp } from '../../src/http/app.ts';
import { seed } from '../../src/seed/fixtures.ts';
import { DEMO_LOGIN, demoFixtures } from '../../src/seed/demo.ts';
import { tryItExample } from '../../src/http/help/try-it.ts';
import { clientUpdate } from '../../src/contract/client-update.ts';
import { clientCreate } from '../../src/contract/client-create.ts';
import { getClient } from '../../src/contract/get-client.ts';
import { clientInfo } from '../../src/contract/client-info.ts';
import { clientHistory } from '../../src/contract/client-history.ts';
import { clientSearch } from '../../src/contract/client-search.ts';
import { clientConsents } from '../../src/contract/client-consents.ts';
import { clientDeliveries } from '../../src/contract/client-deliveries.ts';
import { getConfirmCode } from '../../src/contract/get-confirm-code.ts';
import { setClientPassword } from '../../src/contract/set-client-password.ts';
import type { OperationDecl } from '../../src/contract/types.ts';
import type { Config } from '../../src/config.ts';

const OPERATIONS: OperationDecl[] = [clientUpdate, clientCreate, getClient, clientInfo, clientHistory, clientSearch, clientConsents, clientDeliveries, getConfirmCode, setClientPassword];
/** What each "Try it" example answers: ErrorCode 0, but the code of SetClientPassword's comes by SMS. */
const EXAMPLE_ANSWERS: Record<string, number> = { SetClientPassword: 20 };
const PASSWORD = 'demo-password';
const DOC_ID = 'https://lcm.invalid/openapi.json';
const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

type Doc = { paths: Record<string, { post: { parameters?: { name: string }[]; responses: Record<string, { content?: Record<string, unknown>; headers?: Record<string, unknown> }> } }> };

interface DemoApp {
  t: TestStore;
  app: FastifyInstance;
  auth: string;
  close(): Promise<void>;
}

/** The app over the demo data (and an operator 2, for 403s), with the demo manager's bearer token. */
async function demoApp(overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<DemoApp> {
  const t = await createTestStore('sqlite', overrides);
  await seed(t.store.db, t.store.engine, demoFixtures(PASSWORD));
  await seed(t.store.db, t.store.engine, { operators: [{ Id: 2, Name: 'Other loyalty' }] });
  const app = await buildApp({ config: t.config, store: t.store, logger: false });
  const login = await app.inject({ method: 'POST', url: '/ManagerLogin', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `grant_type=password&username=${DEMO_LOGIN}&password=${PASSWORD}` });
  assert.equal(login.statusCode, 200, login.body);
  return {
    t,
    app,
    auth: `Bearer ${(login.json() as { access_token: string }).access_token}`,
    close: async () => {
      await app.close();
      await t.dispose();
    },
  };
}

describe('/openapi.json against real answers', () => {
  let s: DemoApp;
  let doc: Doc;
  let ajv: InstanceType<typeof Ajv2020>;
  before(async () => {
    s = await demoApp();
    doc = (await s.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    // OpenAPI's own keywords (xml, example) are not JSON Schema: ignored; int32/int64 formats too.
    ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ ...doc, $id: DOC_ID });
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

  it('the document has exactly these operations and the two token endpoints', () => {
    assert.deepEqual(Object.keys(doc.paths).sort(), [...OPERATIONS.map((op) => op.routes[0]!), '/ManagerLogin', '/ClientLogin'].sort());
  });

  it('the validator is really checking: an HttpError body is not a 400 of an operation, nor the reverse', () => {
    const path = clientUpdate.routes[0]!;
    const v400 = ajv.compile({ $ref: `${DOC_ID}#/${pointer('paths', path, 'post', 'responses', '400', 'content', 'application/json', 'schema')}` });
    assert.equal(v400({ Message: 'x' }), false);
    const v401 = ajv.compile({ $ref: `${DOC_ID}#/${pointer('paths', path, 'post', 'responses', '401', 'content', 'application/json', 'schema')}` });
    assert.equal(v401({ ErrorCode: 100, Message: 'x' }), false);
  });

  for (const op of OPERATIONS) {
    const statuses = op.anonymous ? '200, 400, 405, 413, 415 (no 401, 403)' : '200, 400, 401, 403, 405, 413, 415';
    it(`${op.name}: ${statuses}${op.idempotent ? ', 400 and 422 of an Idempotency-Key' : ''} are as declared`, async () => {
      const path = op.routes[0]!;
      const token: Record<string, string> = op.anonymous ? {} : { authorization: s.auth };
      const post = async (body: string, headers: Record<string, string> = {}) =>
        s.app.inject({ method: 'POST', url: path, headers: { ...token, 'content-type': 'application/json', accept: 'application/json', ...headers }, payload: body });
      const example = tryItExample(op);
      const declared = doc.paths[path]!.post;

      const ok = await post(JSON.stringify(example));
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().ErrorCode, EXAMPLE_ANSWERS[op.name] ?? 0, `the Try it example of ${op.name}: ${ok.body}`);
      check(path, 200, ok.body, op.name);

      const unreadable = await post('{"x":');
      assert.equal(unreadable.statusCode, 400);
      assert.equal(unreadable.json().ErrorCode, 100);
      check(path, 400, unreadable.body, op.name);

      if (op.anonymous) {
        assert.equal(declared.responses['401'], undefined, 'an anonymous operation declares no 401');
        assert.equal(declared.responses['403'], undefined, 'an anonymous operation declares no 403');
      } else {
        const anonymous = await s.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: '{}' });
        assert.equal(anonymous.statusCode, 401);
        check(path, 401, anonymous.body, op.name);

        const names = new Set(op.request.fields.map((f) => f.name));
        const foreign = names.has('Token') ? { Token: 999 } : names.has('OperatorId') ? { OperatorId: 2 } : { Operator: 2 };
        const forbidden = await post(JSON.stringify({ ...example, ...foreign }));
        assert.equal(forbidden.statusCode, 403, forbidden.body);
        check(path, 403, forbidden.body, op.name);
      }

      const get = await s.app.inject({ method: 'GET', url: path, headers: { ...token, accept: 'application/json' } });
      assert.equal(get.statusCode, 405);
      check(path, 405, get.body, op.name);

      const large = await post(JSON.stringify({ Name: 'x'.repeat(200_000) }));
      assert.equal(large.statusCode, 413);
      check(path, 413, large.body, op.name);

      const text = await post('hello', { 'content-type': 'text/plain' });
      assert.equal(text.statusCode, 415);
      check(path, 415, text.body, op.name);

      if (op.idempotent) {
        assert.deepEqual(declared.parameters?.map((p) => p.name), ['Idempotency-Key']);
        const malformed = await post(JSON.stringify(example), { 'idempotency-key': 'two words' });
        assert.equal(malformed.statusCode, 400, malformed.body);
        assert.equal(malformed.json().ErrorCode, 100);
        check(path, 400, malformed.body, `${op.name} with a malformed key`);
        const key = `openapi-${op.name}`;
        const first = await post(JSON.stringify({ ...example, Name: 'Первый' }), { 'idempotency-key': key });
        assert.equal(first.statusCode, 200, first.body);
        const reused = await post(JSON.stringify({ ...example, Name: 'Второй' }), { 'idempotency-key': key });
        assert.equal(reused.statusCode, 422, reused.body);
        check(path, 422, reused.body, `${op.name} with a reused key`);
      } else {
        assert.equal(declared.parameters, undefined, `${op.name} declares no Idempotency-Key`);
        assert.equal(declared.responses['409'], undefined);
        assert.equal(declared.responses['422'], undefined);
      }
      if (!op.rateLimited) assert.equal(declared.responses['429'], undefined, `${op.name} declares no 429`);
    });
  }

  it('GetConfirmCode: a second code for the phone within the minute is the declared 429 with Retry-After', async () => {
    const path = getConfirmCode.routes[0]!;
    const body = JSON.stringify({ Phone: 79160000002, Operator: 1 });
    const send = () => s.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json', accept: 'application/json' }, payload: body });
    assert.equal((await send()).json().ErrorCode, 0);
    const limited = await send();
    assert.equal(limited.statusCode, 429, limited.body);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.ok(doc.paths[path]!.post.responses['429']!.headers?.['Retry-After']);
    check(path, 429, limited.body, 'GetConfirmCode again');
  });

  it('ClientCreate with ClientSetPassword: a phone over its code limit is the declared 429', async () => {
    const phone = 79160000009;
    const code = await s.app.inject({ method: 'POST', url: getConfirmCode.routes[0]!, headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ Phone: phone, Operator: 1 }) });
    assert.equal(code.json().ErrorCode, 0);
    const path = clientCreate.routes[0]!;
    const limited = await s.app.inject({
      method: 'POST',
      url: path,
      headers: { authorization: s.auth, 'content-type': 'application/json', accept: 'application/json' },
      payload: JSON.stringify({ Phone: phone, Name: 'Лимит', ClientSetPassword: true }),
    });
    assert.equal(limited.statusCode, 429, limited.body);
    check(path, 429, limited.body, 'ClientCreate over the code limit');
  });

  it('Idempotency-Key while the database is stuck: the declared 503, and 409 with Retry-After for the request queued behind', async () => {
    const slow = await demoApp({ dbTimeoutMs: 1500 });
    const release = await lockKeyTable('sqlite', slow.t.database.url);
    try {
      await slow.app.listen({ host: '127.0.0.1', port: 0 });
      const path = clientCreate.routes[0]!;
      const url = `http://127.0.0.1:${(slow.app.server.address() as AddressInfo).port}${path}`;
      const send = () =>
        fetch(url, {
          method: 'POST',
          headers: { authorization: slow.auth, 'content-type': 'application/json', accept: 'application/json', 'idempotency-key': 'stuck' },
          body: JSON.stringify({ Phone: 79165550199 }),
        }).then(async (r) => ({ status: r.status, body: await r.text() }));
      const answers = await Promise.all([send(), send(), send()]);
      assert.deepEqual(answers.map((a) => a.status).sort(), [409, 503, 503], JSON.stringify(answers));
      for (const a of answers) check(path, a.status, a.body, `ClientCreate ${a.status}`);
      assert.ok(doc.paths[path]!.post.responses['409']!.headers?.['Retry-After']);
    } finally {
      await release();
      await slow.close();
    }
  });

  it('ManagerLogin: 200, 400, 401, 405, 429 are as declared', async () => {
    const form = (body: string) => s.app.inject({ method: 'POST', url: '/ManagerLogin', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
    const ok = await form(`grant_type=password&username=${DEMO_LOGIN}&password=${PASSWORD}`);
    check('/ManagerLogin', ok.statusCode, ok.body, 'sign-in');
    const json = await s.app.inject({ method: 'POST', url: '/ManagerLogin', headers: { 'content-type': 'application/json' }, payload: '{}' });
    check('/ManagerLogin', json.statusCode, json.body, 'JSON body');
    const wrong = await form('grant_type=password&username=nobody&password=wrong');
    check('/ManagerLogin', wrong.statusCode, wrong.body, 'wrong password');
    const get = await s.app.inject({ method: 'GET', url: '/ManagerLogin' });
    check('/ManagerLogin', get.statusCode, get.body, 'GET');
    let locked;
    for (let i = 0; i < 6; i++) locked = await form('grant_type=password&username=nobody&password=wrong');
    assert.equal(locked!.statusCode, 429);
    check('/ManagerLogin', 429, locked!.body, 'locked');
    assert.deepEqual([ok.statusCode, json.statusCode, wrong.statusCode, get.statusCode], [200, 400, 401, 405]);
  });
});
