// `lcm client passwd ID`: a password from standard input, or a one-time code that works
// with SetClientPassword on a server sharing the secret; both engines.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { seededDatabase } from '../helpers/app.ts';
import { runLcm } from '../helpers/cli.ts';
import { openStore } from '../../src/db/store.ts';
import type { Store } from '../../src/db/store.ts';
import { loadConfig } from '../../src/config.ts';
import { buildApp } from '../../src/http/app.ts';
import { verifyPassword } from '../../src/auth/password.ts';
import { listHistory } from '../../src/participant/store/history.ts';
import { OK, post } from './support.ts';

const SECRET = 'cli-test-secret-0123456789abcdef0123';

for (const engine of ENGINES) {
  describe(`lcm client passwd on ${engine}`, () => {
    let database: TestDatabase;
    let store: Store;
    const lcm = (args: string[], stdin?: string) => runLcm([...args, '--database', database.url], { LCM_JWT_SECRET: SECRET }, stdin);
    const hashOf = async (id: number) => (await store.db.selectFrom('participants').select('password_hash').where('id', '=', id).executeTakeFirstOrThrow()).password_hash;

    before(async () => {
      database = await seededDatabase(engine);
      store = await openStore(database.url);
    });
    after(async () => {
      await store.close();
      await database.drop();
    });

    it('sets the password read from standard input, and records "password set"', async () => {
      const r = await lcm(['client', 'passwd', '2'], 'cli-password-2\n');
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Password set for participant 2/);
      assert.ok(!r.stdout.includes('cli-password-2'));
      assert.ok(await verifyPassword('cli-password-2', (await hashOf(2))!));
      const [latest] = await listHistory(store.db, 2, { limit: 1 });
      assert.deepEqual(JSON.parse(latest!.fields), [{ Field: 'Password', Old: null, New: 'set' }]);
      assert.equal(latest!.manager_login, 'lcm client passwd');
    });

    it('refuses a short password and an unknown participant', async () => {
      const before = await hashOf(2);
      const short = await lcm(['client', 'passwd', '2'], 'short\n');
      assert.equal(short.code, 1);
      assert.match(short.stderr, /8 to 128 characters/);
      assert.equal(await hashOf(2), before);
      const unknown = await lcm(['client', 'passwd', '999'], 'long-enough-1\n');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /participant 999 not found/);
    });

    it('--code prints a one-time code that SetClientPassword accepts', async () => {
      const r = await lcm(['client', 'passwd', '1', '--code']);
      assert.equal(r.code, 0, r.stderr);
      const printed = JSON.parse(r.stdout) as { Client: number; Operator: number; Phone: number; Code: string; ExpiresAt: string };
      assert.equal(printed.Phone, 79160000001);
      assert.match(printed.Code, /^\d{6}$/);
      const config = loadConfig({}, { database: database.url, jwtSecret: SECRET });
      const app = await buildApp({ config, store, logger: false });
      try {
        const url = await app.listen({ host: '127.0.0.1', port: 0 });
        const body = { Phone: 79160000001, Code: printed.Code, Password: 'from-support-1', Operator: 1 };
        assert.deepEqual((await post(url, '/api/client/SetClientPassword', body)).json, OK);
        assert.equal((await post(url, '/api/client/SetClientPassword', body)).json.ErrorCode, 20, 'once only');
      } finally {
        await app.close();
      }
      assert.ok(await verifyPassword('from-support-1', (await hashOf(1))!));
    });
  });
}
