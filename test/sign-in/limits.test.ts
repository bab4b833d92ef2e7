// Limits on confirmation codes (against SMS pumping), on both engines, with the app's clock
// moved instead of waiting: per phone 1 a minute and 5 an hour, per client address, per
// operator a day; 429 with Retry-After; a refused request counts nothing and sends nothing;
// stale counters go.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { OK, post, seeded, serveApp, TestClock } from './support.ts';
import type { SignInServer } from './support.ts';

const GET_CODE = '/api/client/GetConfirmCode';
const HOUR = 3_600_000;

for (const engine of ENGINES) {
  describe(`confirmation code limits on ${engine}`, () => {
    let ts: TestStore;
    const servers: SignInServer[] = [];
    const serve = async (overrides: Parameters<typeof serveApp>[1], clock = new TestClock()) => {
      const s = await serveApp(ts, overrides, { clock });
      servers.push(s);
      return s;
    };
    const codeRows = async () => ts.store.db.selectFrom('confirm_codes').select(['phone', 'created_at']).orderBy('phone').execute();

    before(async () => {
      ts = await seeded(engine);
    });
    after(async () => {
      for (const s of servers) await s.close();
      await ts.dispose();
    });

    it('per phone: 1 per 60 s and 5 per hour, then 429 with Retry-After; refused requests count nothing', async () => {
      const s = await serve({ codeLimitPerAddressHour: 0 });
      const ask = () => post(s.url, GET_CODE, { Phone: 79160000001, Operator: 1 });
      assert.deepEqual((await ask()).json, OK);
      const first = await codeRows();
      const refused = await ask();
      assert.equal(refused.status, 429);
      assert.equal(refused.retryAfter, '60');
      assert.match(String(refused.json.Message), /Too many requests/);
      assert.deepEqual(await codeRows(), first, 'a refused request stores no code');
      s.clock.advance(30_000);
      assert.equal((await ask()).retryAfter, '30');
      s.clock.advance(31_000);
      // Refused requests did not count: the minute started at the first code.
      assert.equal((await ask()).status, 200);
      for (let i = 0; i < 3; i++) {
        s.clock.advance(61_000);
        assert.equal((await ask()).status, 200, `code ${i + 3}`);
      }
      s.clock.advance(61_000);
      const sixth = await ask();
      assert.equal(sixth.status, 429);
      assert.equal(sixth.retryAfter, String(3600 - 5 * 61));
      // Another phone, and the same phone of another operator, have their own budgets.
      assert.equal((await post(s.url, GET_CODE, { Phone: 79160000002, Operator: 1 })).status, 200);
      assert.equal((await post(s.url, GET_CODE, { Phone: 79160000001, Operator: 2 })).status, 200);
      s.clock.advance(HOUR);
      assert.equal((await ask()).status, 200, 'a new hour');
    });

    it('per client address (configurable); X-Forwarded-For does not change the address', async () => {
      const s = await serve({ codeLimitPerAddressHour: 3 }, Object.assign(new TestClock(), { ms: Date.now() + 10 * HOUR }));
      for (const phone of [79161110001, 79161110002, 79161110003]) assert.equal((await post(s.url, GET_CODE, { Phone: phone, Operator: 1 })).status, 200);
      const res = await fetch(`${s.url}${GET_CODE}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.9' },
        body: JSON.stringify({ Phone: 79161110004, Operator: 1 }),
      });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('retry-after'), '3600');
    });

    it('per operator per day (configurable), other operators unaffected', async () => {
      // Past the windows of the tests before (their hits count against operator 1 too).
      const s = await serve({ codeLimitPerAddressHour: 0, codeLimitPerOperatorDay: 2 }, Object.assign(new TestClock(), { ms: Date.now() + 50 * HOUR }));
      assert.equal((await post(s.url, GET_CODE, { Phone: 79162220001, Operator: 1 })).status, 200);
      s.clock.advance(HOUR);
      assert.equal((await post(s.url, GET_CODE, { Phone: 79162220002, Operator: 1 })).status, 200);
      const third = await post(s.url, GET_CODE, { Phone: 79162220003, Operator: 1 });
      assert.equal(third.status, 429);
      assert.equal(third.retryAfter, String(24 * 3600 - 3600));
      assert.equal((await post(s.url, GET_CODE, { Phone: 79162220003, Operator: 2 })).status, 200);
      // A day later the window has passed; the request that opens the new one also removes stale counters.
      s.clock.advance(24 * HOUR);
      assert.equal((await post(s.url, GET_CODE, { Phone: 79162220003, Operator: 1 })).status, 200);
      const now = s.clock.now().toISOString();
      const stale = await ts.store.db.selectFrom('rate_counters').select('key').where('expires_at', '<=', now).execute();
      assert.deepEqual(stale, []);
    });
  });
}
