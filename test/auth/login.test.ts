import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import type { FastifyInstance } from 'fastify';
import { ENGINES } from '../helpers/engines.ts';
import { seededApp } from '../helpers/app.ts';
import type { TestStore } from '../helpers/engines.ts';
import { clientLogin, managerLogin, postLogin } from '../helpers/login.ts';
import { bearer } from '../helpers/tokens.ts';
import { seed } from '../../src/seed/fixtures.ts';
import { findPos } from '../../src/db/directory.ts';

const INVALID_GRANT = { error: 'invalid_grant', error_description: 'Provided username and password is incorrect' };

for (const engine of ENGINES) {
  describe(`sign-in endpoints on ${engine}`, () => {
    let ts: TestStore;
    let app: FastifyInstance;
    let url: string;
    before(async () => {
      ({ t: ts, app } = await seededApp(engine, { jwtIssuer: 'https://lcm.test', jwtAudience: 'partner-api-test', jwtLifetimeMinutes: 90 }));
      url = await app.listen({ host: '127.0.0.1', port: 0 });
    });
    after(async () => {
      await app.close();
      await ts.dispose();
    });

    it('works for a client written like the public TypeScript client (lower-case managerlogin, JWT decoded unverified)', async () => {
      // As that client does: fetch, form body, read exp and token from the payload without a key.
      const res = await fetch(`${url}/managerlogin`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=cashier&password=secret',
      });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      const data = (await res.json()) as { access_token: string; token_type: string; expires_in: number; refresh_token: string };
      assert.deepEqual(Object.keys(data), ['access_token', 'token_type', 'expires_in', 'refresh_token']);
      assert.equal(data.token_type, 'bearer');
      assert.equal(data.expires_in, 90 * 60);
      assert.equal(typeof data.refresh_token, 'string');
      const payloadJson = Buffer.from(data.access_token.split('.')[1]!, 'base64url').toString('utf8');
      const payload = JSON.parse(payloadJson) as { exp: unknown; token: unknown };
      assert.equal(typeof payload.exp, 'number');
      assert.ok((payload.exp as number) * 1000 > Date.now());
      assert.equal(payload.token, '5001');
      // …and the token it got is accepted by the API's authenticator.
      const who = await app.deps.auth.authenticate(bearer(data.access_token));
      assert.equal(who?.kind, 'manager');
    });

    it('manager token claims are exactly those of auth.md', async () => {
      const res = await managerLogin(app, 'cashier', 'secret');
      assert.equal(res.status, 200);
      const jwt = res.body.access_token as string;
      assert.deepEqual(decodeProtectedHeader(jwt), { alg: 'HS256', typ: 'JWT' });
      const c = decodeJwt(jwt);
      const pos = await findPos(ts.store.db, 1, 'MSK-001');
      const now = Math.floor(Date.now() / 1000);
      assert.deepEqual(
        { ...c, iat: 0, nbf: 0, exp: 0 },
        { user: 'cashier', oper: '1', token: '5001', partner: '10', pos: String(pos!.id), poscode: 'MSK-001', role: 'pos', iss: 'https://lcm.test', aud: 'partner-api-test', iat: 0, nbf: 0, exp: 0 },
      );
      for (const k of ['iat', 'nbf', 'exp'] as const) assert.equal(typeof c[k], 'number');
      assert.ok(Math.abs(c.nbf! - now) <= 5);
      assert.equal(c.exp! - c.nbf!, 90 * 60);
    });

    it('a manager not bound to a POS has no pos claims; a case-varied path works', async () => {
      const res = await postLogin(app, '/MANAGERLOGIN', { grant_type: 'password', username: 'other', password: 'other-secret' });
      assert.equal(res.status, 200);
      const c = decodeJwt(res.body.access_token as string);
      assert.deepEqual(
        { user: c.user, oper: c.oper, token: c.token, partner: c.partner, role: c.role },
        { user: 'other', oper: '2', token: '6001', partner: '20', role: 'admin' },
      );
      assert.equal('pos' in c, false);
      assert.equal('poscode' in c, false);
    });

    it('several roles become an array of strings', async () => {
      await seed(ts.store.db, engine, {
        managers: [{ Login: 'multi', Password: 'multi-secret', Operator: 1, Token: 5002, Roles: ['pos', 'admin'] }],
      });
      const res = await managerLogin(app, 'multi', 'multi-secret');
      const c = decodeJwt(res.body.access_token as string);
      assert.deepEqual(c.role, ['pos', 'admin']);
      assert.equal('partner' in c, false);
      const who = await app.deps.auth.authenticate(bearer(res.body.access_token as string));
      assert.deepEqual(who, { kind: 'manager', login: 'multi', operatorId: 1, token: 5002, partnerId: null, posId: null, posCode: null, roles: ['pos', 'admin'] });
    });

    it('client token claims are exactly those of auth.md, for every way of writing the phone', async () => {
      for (const username of ['79160000001', '89160000001', '9160000001', '+7 (916) 000-00-01']) {
        const res = await clientLogin(app, username, 'client-secret');
        assert.equal(res.status, 200, username);
        const c = decodeJwt(res.body.access_token as string);
        assert.deepEqual({ ...c, iat: 0, nbf: 0, exp: 0 }, { client: '1', oper: '1', iss: 'https://lcm.test', aud: 'partner-api-test', iat: 0, nbf: 0, exp: 0 });
        assert.deepEqual(await app.deps.auth.authenticate(bearer(res.body.access_token as string)), { kind: 'client', clientId: 1, operatorId: 1 });
      }
    });

    it('wrong password and unknown user get the same 401 at both endpoints', async () => {
      const answers = [
        await managerLogin(app, 'cashier', 'wrong'),
        await managerLogin(app, 'nobody', 'secret'),
        await clientLogin(app, '79160000002', 'client-secret'),
        await clientLogin(app, '79169999999', 'client-secret'),
        // Participant 3 has no password; and participant 1 asked under another operator.
        await clientLogin(app, '79160000003', '', '2'),
        await clientLogin(app, '79160000001', 'client-secret', '2'),
      ];
      for (const a of answers) {
        assert.equal(a.status, 401);
        assert.deepEqual(a.body, INVALID_GRANT);
      }
    });

    it('ClientLogin without operator → 400 invalid_operator; bad grant types → 400 unsupported_grant_type', async () => {
      const noOp = await postLogin(app, '/ClientLogin', { grant_type: 'password', username: '79160000001', password: 'client-secret' });
      assert.equal(noOp.status, 400);
      assert.deepEqual(noOp.body, { error: 'invalid_operator' });
      const badOp = await postLogin(app, '/clientlogin', { grant_type: 'password', username: '79160000001', password: 'client-secret', operator: 'x' });
      assert.deepEqual([badOp.status, badOp.body], [400, { error: 'invalid_operator' }]);
      for (const path of ['/ManagerLogin', '/ClientLogin']) {
        for (const fields of [{ grant_type: 'client_credentials' }, {}] as Record<string, string>[]) {
          const res = await postLogin(app, path, { ...fields, username: 'cashier', password: 'secret', operator: '1' });
          assert.equal(res.status, 400);
          assert.deepEqual(res.body, { error: 'unsupported_grant_type' });
        }
      }
      // A JSON body is not a form: invalid_request, saying so (test/auth/login-mistakes.test.ts).
      const json = await app.inject({ method: 'POST', url: '/ManagerLogin', payload: { grant_type: 'password', username: 'cashier', password: 'secret' } });
      assert.deepEqual([json.statusCode, json.json().error], [400, 'invalid_request']);
    });

    it('login answers are JSON whatever the Accept header, and are not cached', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/ManagerLogin',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', accept: 'application/xml' },
        payload: 'grant_type=password&username=cashier&password=secret',
      });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/json;charset=UTF-8');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.ok(res.json().access_token);
    });
  });
}
