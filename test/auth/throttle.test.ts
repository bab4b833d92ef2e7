import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { ENGINES } from '../helpers/engines.ts';
import { seededApp } from '../helpers/app.ts';
import type { TestStore } from '../helpers/engines.ts';
import { clientLogin, managerLogin } from '../helpers/login.ts';
import { buildApp } from '../../src/http/app.ts';
import { openStore } from '../../src/db/store.ts';
import { createThrottle, LOGIN_POLICY } from '../../src/auth/throttle.ts';

for (const engine of ENGINES) {
  describe(`failed-login throttle on ${engine}`, () => {
    let ts: TestStore;
    let app: FastifyInstance;
    before(async () => {
      ({ t: ts, app } = await seededApp(engine));
    });
    after(async () => {
      await app.close();
      await ts.dispose();
    });

    it('5 failures lock the username: 429 with Retry-After, even for the right password; other users are unaffected', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await managerLogin(app, 'cashier', `wrong-${i}`)).status, 401);
      const locked = await managerLogin(app, 'cashier', 'secret');
      assert.equal(locked.status, 429);
      const retry = Number(locked.headers['retry-after']);
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${String(locked.headers['retry-after'])}`);
      assert.equal(locked.body.error, 'invalid_grant');
      assert.equal((await managerLogin(app, 'other', 'other-secret')).status, 200);
    });

    it('the lock holds in another process sharing the database', async () => {
      const otherStore = await openStore(ts.config.database);
      const other = await buildApp({ config: ts.config, store: otherStore, logger: false });
      try {
        assert.equal((await managerLogin(other, 'cashier', 'secret')).status, 429);
      } finally {
        await other.close();
        await otherStore.close();
      }
    });

    it('failures counted by two processes add up', async () => {
      const otherStore = await openStore(ts.config.database);
      const other = await buildApp({ config: ts.config, store: otherStore, logger: false });
      try {
        for (let i = 0; i < 5; i++) await clientLogin(i % 2 ? app : other, '89160000002', 'wrong');
        assert.equal((await clientLogin(app, '79160000002', 'maria-secret')).status, 429, 'same phone, other spelling');
        assert.equal((await clientLogin(app, '79160000001', 'client-secret')).status, 200);
      } finally {
        await other.close();
        await otherStore.close();
      }
    });

    it('parallel guesses are throttled like consecutive ones: of 20 at once, at most 5 are checked (found by test/reliability/tokens.test.ts)', async () => {
      const statuses = (await Promise.all(Array.from({ length: 20 }, (_, i) => managerLogin(app, 'parallel-ghost', `guess-${i}`)))).map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 401).length, 5, statuses.join());
      assert.equal(statuses.filter((s) => s === 429).length, 15, statuses.join());
    });

    it('unknown usernames are locked too (no hint that an account exists)', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await managerLogin(app, 'ghost', 'x')).status, 401);
      assert.equal((await managerLogin(app, 'ghost', 'x')).status, 429);
    });

    it('the lock lasts a minute; the window is 15 minutes; success clears the count', async () => {
      let now = new Date('2030-01-01T00:00:00Z');
      const throttle = createThrottle(ts.store.db, LOGIN_POLICY, () => now);
      const key = 'test:clock';
      const advance = (ms: number) => (now = new Date(now.getTime() + ms));
      for (let i = 0; i < 4; i++) {
        await throttle.failed(key);
        advance(60_000);
      }
      assert.equal(await throttle.retryAfter(key), 0, '4 failures do not lock');
      await throttle.failed(key);
      assert.equal(await throttle.retryAfter(key), 60);
      advance(59_500);
      assert.equal(await throttle.retryAfter(key), 1);
      advance(600);
      assert.equal(await throttle.retryAfter(key), 0, 'unlocked after a minute');
      await throttle.failed(key);
      assert.equal(await throttle.retryAfter(key), 60, 'another failure in the same window locks again');
      advance(16 * 60_000);
      await throttle.failed(key);
      assert.equal(await throttle.retryAfter(key), 0, 'a new window starts the count over');
      await throttle.succeeded(key);
      for (let i = 0; i < 4; i++) await throttle.failed(key);
      assert.equal(await throttle.retryAfter(key), 0, 'success cleared the earlier failure');
    });
  });
}
