import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import type { FastifyInstance } from 'fastify';
import { ENGINES } from '../helpers/engines.ts';
import { seededApp } from '../helpers/app.ts';
import type { TestStore } from '../helpers/engines.ts';
import { clientLogin, managerLogin, postLogin } from '../helpers/login.ts';
import { buildApp } from '../../src/http/app.ts';
import { openStore } from '../../src/db/store.ts';
import { seed } from '../../src/seed/fixtures.ts';
import { hashRefreshToken } from '../../src/auth/sign-in.ts';

const INVALID_GRANT = { error: 'invalid_grant', error_description: 'Provided username and password is incorrect' };
const refresh = (app: FastifyInstance, path: string, token: string) => postLogin(app, path, { grant_type: 'refresh_token', refresh_token: token });

for (const engine of ENGINES) {
  describe(`refresh tokens on ${engine}`, () => {
    let ts: TestStore;
    let app: FastifyInstance;
    before(async () => {
      ({ t: ts, app } = await seededApp(engine));
    });
    after(async () => {
      await app.close();
      await ts.dispose();
    });

    it('are stored only as hashes, with their expiry', async () => {
      const login = await managerLogin(app, 'cashier', 'secret');
      const token = login.body.refresh_token as string;
      const rows = await ts.store.db.selectFrom('refresh_tokens').selectAll().execute();
      assert.equal(rows.some((r) => r.token_hash === token), false, 'never in clear');
      const row = rows.find((r) => r.token_hash === hashRefreshToken(token));
      assert.ok(row);
      assert.equal(row.kind, 'manager');
      const minutes = (Date.parse(row.expires_at) - Date.now()) / 60_000;
      assert.ok(minutes > 2150 && minutes <= 2160, `default lifetime 2160 min, got ${minutes}`);
    });

    it('a manager refresh token works once, gives a fresh pair, and never works twice', async () => {
      const first = (await managerLogin(app, 'cashier', 'secret')).body.refresh_token as string;
      const second = await refresh(app, '/ManagerLogin', first);
      assert.equal(second.status, 200);
      assert.equal(decodeJwt(second.body.access_token as string).token, '5001');
      assert.notEqual(second.body.refresh_token, first);
      const again = await refresh(app, '/managerlogin', first);
      assert.deepEqual([again.status, again.body], [401, INVALID_GRANT]);
      // The rotated one works (once).
      assert.equal((await refresh(app, '/ManagerLogin', second.body.refresh_token as string)).status, 200);
    });

    it('two concurrent uses of one token: exactly one succeeds', async () => {
      for (let round = 0; round < 5; round++) {
        const token = (await managerLogin(app, 'cashier', 'secret')).body.refresh_token as string;
        const answers = await Promise.all(Array.from({ length: 4 }, () => refresh(app, '/ManagerLogin', token)));
        assert.deepEqual(answers.map((a) => a.status).sort(), [200, 401, 401, 401]);
      }
    });

    it('a manager refresh token is refused at /ClientLogin and a client one at /ManagerLogin (and stays usable where it belongs)', async () => {
      const managerRt = (await managerLogin(app, 'cashier', 'secret')).body.refresh_token as string;
      const clientRt = (await clientLogin(app, '79160000001', 'client-secret')).body.refresh_token as string;
      assert.deepEqual(await refresh(app, '/ClientLogin', managerRt).then((r) => [r.status, r.body]), [401, INVALID_GRANT]);
      assert.deepEqual(await refresh(app, '/ManagerLogin', clientRt).then((r) => [r.status, r.body]), [401, INVALID_GRANT]);
      const m = await refresh(app, '/ManagerLogin', managerRt);
      assert.equal(m.status, 200);
      const c = await refresh(app, '/ClientLogin', clientRt);
      assert.equal(c.status, 200);
      assert.equal(decodeJwt(c.body.access_token as string).client, '1');
    });

    it('unknown, empty and expired refresh tokens are refused', async () => {
      assert.equal((await refresh(app, '/ManagerLogin', 'no-such-token')).status, 401);
      assert.equal((await postLogin(app, '/ManagerLogin', { grant_type: 'refresh_token' })).status, 401);
      const token = (await managerLogin(app, 'cashier', 'secret')).body.refresh_token as string;
      await ts.store.db
        .updateTable('refresh_tokens')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('token_hash', '=', hashRefreshToken(token))
        .execute();
      assert.deepEqual(await refresh(app, '/ManagerLogin', token).then((r) => [r.status, r.body]), [401, INVALID_GRANT]);
    });

    it('work after a restart and in another process sharing the database, and still only once', async () => {
      const token = (await managerLogin(app, 'cashier', 'secret')).body.refresh_token as string;
      const otherStore = await openStore(ts.config.database);
      const other = await buildApp({ config: ts.config, store: otherStore, logger: false });
      try {
        const res = await refresh(other, '/ManagerLogin', token);
        assert.equal(res.status, 200);
        // The first "process" cannot use it any more, and the new access token is valid there.
        assert.equal((await refresh(app, '/ManagerLogin', token)).status, 401);
        assert.equal((await app.deps.auth.authenticate({ authorization: `Bearer ${res.body.access_token as string}` }))?.kind, 'manager');
      } finally {
        await other.close();
        await otherStore.close();
      }
    });

    it('a changed manager gets fresh claims on refresh; a deleted one is refused', async () => {
      await seed(ts.store.db, engine, { managers: [{ Login: 'temp', Password: 'temp-secret', Operator: 1, Token: 5050, Roles: ['pos'] }] });
      const rt = (await managerLogin(app, 'temp', 'temp-secret')).body.refresh_token as string;
      await ts.store.db.updateTable('managers').set({ roles: '["admin"]' }).where('login', '=', 'temp').execute();
      const res = await refresh(app, '/ManagerLogin', rt);
      assert.equal(decodeJwt(res.body.access_token as string).role, 'admin');
      await ts.store.db.deleteFrom('managers').where('login', '=', 'temp').execute();
      assert.equal((await refresh(app, '/ManagerLogin', res.body.refresh_token as string)).status, 401);
    });
  });
}
