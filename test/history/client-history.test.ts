// ClientHistory's domain function: ClientUpdate's authorization, newest first, filters.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { updateClientInTransaction } from '../../src/participant/update/batch.ts';
import { readClientHistory } from '../../src/participant/history.ts';
import type { ClientHistoryResponse } from '../../src/participant/history.ts';
import { FORBIDDEN, isForbidden } from '../../src/lib/principal.ts';
import type { Principal } from '../../src/lib/principal.ts';
import { ctx } from './support.ts';
import { CASHIER, CLIENT_1, OTHER_MANAGER } from '../helpers/fixtures.ts';
import { seededStore } from '../helpers/app.ts';

const today = new Date().toISOString().slice(0, 10);
const shift = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

for (const engine of ENGINES) {
  describe(`ClientHistory on ${engine}`, () => {
    let ts: TestStore;
    before(async () => {
      ts = await seededStore(engine);
      await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 1, AllowSms: false, PosCode: 'MSK-001' });
      await updateClientInTransaction(ts.store, ctx(CLIENT_1), { Client: 1, Phone: 79161112233, SiteCode: 'w-1' });
      await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 1, Birthdate: '2000-01-31' });
    });
    after(async () => ts.dispose());

    const read = async (p: Principal, req: Parameters<typeof readClientHistory>[2]) => {
      const out = await readClientHistory(ts.store, ctx(p), req);
      if (isForbidden(out)) return out;
      return out as ClientHistoryResponse;
    };

    it('answers the changes newest first, values as text', async () => {
      const res = await read(CASHIER, { Client: 1 });
      assert.ok(!isForbidden(res));
      assert.equal(res.ErrorCode, 0);
      assert.equal(res.Message, '');
      assert.deepEqual(
        res.Changes!.map((c) => ({ ...c, Time: typeof c.Time })),
        [
          { Time: 'string', Initiator: 'manager cashier (token 5001)', PosCode: null, SiteCode: null, Fields: [{ Field: 'Birthdate', Old: '1990-05-15T00:00:00', New: '2000-01-31T00:00:00' }] },
          { Time: 'string', Initiator: 'client 1', PosCode: null, SiteCode: 'w-1', Fields: [{ Field: 'Phone', Old: '79160000001', New: '79161112233' }] },
          { Time: 'string', Initiator: 'manager cashier (token 5001)', PosCode: 'MSK-001', SiteCode: null, Fields: [{ Field: 'AllowSms', Old: 'true', New: 'false' }] },
        ],
      );
      const times = res.Changes!.map((c) => Date.parse(c.Time));
      assert.deepEqual([...times].sort((a, b) => b - a), times);
    });

    it('Limit takes the newest; From/To are inclusive calendar days (UTC)', async () => {
      const one = await read(CASHIER, { Client: 1, Limit: 1 });
      assert.ok(!isForbidden(one));
      assert.deepEqual(one.Changes!.map((c) => c.Fields[0]?.Field), ['Birthdate']);
      const count = async (req: Parameters<typeof readClientHistory>[2]) => {
        const r = await read(CASHIER, { Client: 1, ...req });
        assert.ok(!isForbidden(r));
        return r.Changes!.length;
      };
      assert.equal(await count({ From: today, To: today }), 3);
      assert.equal(await count({ From: shift(1) }), 0);
      assert.equal(await count({ To: shift(-1) }), 0);
      assert.equal(await count({ Limit: 0 }), 3);
      const bad = await read(CASHIER, { Client: 1, Limit: -1 });
      assert.deepEqual(bad, { ErrorCode: 13, Message: 'Некорректное значение поля Limit', Changes: [] });
    });

    it('follows ClientUpdate: 1, 3, 403, 2; a client sees only itself', async () => {
      assert.deepEqual(await read(CASHIER, {}), { ErrorCode: 1, Message: 'Не задан идентификатор клиента', Changes: [] });
      assert.deepEqual(await read(CASHIER, { Client: 0 }), { ErrorCode: 1, Message: 'Не задан идентификатор клиента', Changes: [] });
      assert.deepEqual(await read(CASHIER, { Client: 1, Operator: 99 }), { ErrorCode: 3, Message: 'Заданный идентификатор Оператора ПЛ не найден', Changes: [] });
      assert.equal(await read(CASHIER, { Client: 1, Operator: 2 }), FORBIDDEN);
      assert.equal(await read(CASHIER, { Client: 1, Token: 6001 }), FORBIDDEN);
      assert.equal(await read(CLIENT_1, { Client: 1, Token: 5001 }), FORBIDDEN);
      assert.equal(await read(CLIENT_1, { Client: 2 }), FORBIDDEN);
      assert.deepEqual(await read(OTHER_MANAGER, { Client: 1 }), { ErrorCode: 2, Message: 'Клиент не найден', Changes: [] });
      assert.deepEqual(await read(CASHIER, { Client: 999 }), { ErrorCode: 2, Message: 'Клиент не найден', Changes: [] });
      const own = await read(CLIENT_1, { Client: 1, Operator: 1 });
      assert.ok(!isForbidden(own));
      assert.equal(own.Changes!.length, 3);
      const explicit = await read(CASHIER, { Client: 1, Operator: 1, Token: 5001 });
      assert.ok(!isForbidden(explicit));
      assert.equal(explicit.Changes!.length, 3);
    });
  });
}
