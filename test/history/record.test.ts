// §4.6: one history row per successful change, consent rows only for the three consents,
// nothing when nothing changed or the request failed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { updateClientInTransaction } from '../../src/participant/update/batch.ts';
import { listConsents, listHistory } from '../../src/participant/store/history.ts';
import { historyEntryView } from '../../src/participant/history-views.ts';
import { FORBIDDEN } from '../../src/lib/principal.ts';
import { ctx } from './support.ts';
import { CASHIER, CLIENT_1, OTHER_MANAGER } from '../helpers/fixtures.ts';
import { seededStore } from '../helpers/app.ts';

const OK = { ErrorCode: 0, Message: '' };

for (const engine of ENGINES) {
  describe(`change history on ${engine}`, () => {
    let ts: TestStore;
    before(async () => {
      ts = await seededStore(engine);
    });
    after(async () => ts.dispose());

    const history = async (id: number) => (await listHistory(ts.store.db, id, { limit: 1000 })).map(historyEntryView);
    const counts = async () => ({
      history: (await ts.store.db.selectFrom('change_history').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
      consents: (await ts.store.db.selectFrom('consent_ledger').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
      events: (await ts.store.db.selectFrom('change_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n,
    });

    it('a change writes one history row with every changed field, who, where and which request', async () => {
      const res = await updateClientInTransaction(ts.store, ctx(CASHIER, 'req-a', '192.0.2.10'), {
        Client: 1,
        Name: ' Пётр ',
        Phone: 9161234567,
        Birthdate: '1991-02-03',
        AllowSms: false,
        Gender: 1, // unchanged: not recorded
        PosCode: 'msk-001',
        SiteCode: ' W-1 ',
      });
      assert.deepEqual(res, OK);
      const rows = await history(1);
      assert.equal(rows.length, 1);
      const h = rows[0]!;
      assert.equal(h.Initiator, 'manager cashier (token 5001)');
      assert.equal(h.Manager, 'cashier');
      assert.equal(h.Token, 5001);
      assert.equal(h.PosCode, 'MSK-001');
      assert.equal(h.SiteCode, 'W-1');
      assert.equal(h.RequestId, 'req-a');
      assert.equal(h.RemoteAddress, '192.0.2.10');
      assert.ok(Math.abs(Date.parse(h.Time) - Date.now()) < 60_000);
      assert.deepEqual(h.Fields, [
        { Field: 'Name', Old: 'Иван', New: 'Пётр' },
        { Field: 'Phone', Old: 79160000001, New: 79161234567 },
        { Field: 'Birthdate', Old: '1990-05-15T00:00:00', New: '1991-02-03T00:00:00' },
        { Field: 'AllowSms', Old: true, New: false },
      ]);
      const consents = await listConsents(ts.store.db, 1);
      assert.equal(consents.length, 1);
      const c = consents[0]!;
      assert.deepEqual(
        { consent: c.consent, given: c.given, previous: c.previous, pos: c.pos_code, site: c.site_code, req: c.request_id, who: c.manager_login },
        { consent: 'AllowSms', given: false, previous: true, pos: 'MSK-001', site: 'W-1', req: 'req-a', who: 'cashier' },
      );
    });

    it('writes nothing when nothing changed or the request failed', async () => {
      const before = await counts();
      // Same values as stored (after the previous test).
      assert.deepEqual(await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 1, Name: 'Пётр', AllowSms: false, Phone: 79161234567 }), OK);
      assert.deepEqual(await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 1 }), OK);
      // Failing rules: nothing written, not even the valid fields of the request.
      assert.equal(((await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 1, Name: 'X', Phone: 123 })) as typeof OK).ErrorCode, 6);
      assert.equal(((await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 1, Name: 'X', PosCode: 'NOPE' })) as typeof OK).ErrorCode, 4);
      assert.equal(((await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 2, Phone: 79161234567 })) as typeof OK).ErrorCode, 7);
      assert.equal(((await updateClientInTransaction(ts.store, ctx(OTHER_MANAGER), { Client: 1, Name: 'X' })) as typeof OK).ErrorCode, 2);
      assert.equal(await updateClientInTransaction(ts.store, ctx(CLIENT_1), { Client: 2, Name: 'X' }), FORBIDDEN);
      assert.equal(await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 1, Name: 'X', Token: 9999 }), FORBIDDEN);
      assert.deepEqual(await counts(), before);
    });

    it('consent rows only for AllowSms, AllowEmail and AllowEmailOnlineCheque; a client is its own initiator', async () => {
      const res = await updateClientInTransaction(ts.store, ctx(CLIENT_1, 'req-c', '198.51.100.1'), {
        Client: 1,
        Email: 'new@example.ru',
        AllowEmail: true,
        AllowEmailOnlineCheque: true,
        AllowSms: false, // unchanged
        ContragentId: '1C-0099',
      });
      assert.deepEqual(res, OK);
      const latest = (await history(1))[0]!;
      assert.equal(latest.Initiator, 'client 1');
      assert.equal(latest.Manager, null);
      assert.equal(latest.Token, null);
      assert.equal(latest.PosCode, null);
      assert.equal(latest.SiteCode, null);
      assert.deepEqual(
        latest.Fields.map((f) => f.Field),
        ['Email', 'AllowEmail', 'AllowEmailOnlineCheque', 'ContragentId'],
      );
      const consents = (await listConsents(ts.store.db, 1)).filter((c) => c.request_id === 'req-c');
      assert.deepEqual(
        consents.map((c) => [c.consent, c.given, c.previous, c.initiator_kind, c.remote_address]).sort(),
        [
          ['AllowEmail', true, false, 'client', '198.51.100.1'],
          ['AllowEmailOnlineCheque', true, false, 'client', '198.51.100.1'],
        ],
      );
    });

    it('each change is one history row and one outbox event carrying the ContragentId after the change', async () => {
      await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 2, Gender: -1 });
      await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 2, ContragentId: 'EXT-2' });
      await updateClientInTransaction(ts.store, ctx(CASHIER), { Client: 2, Surname: 'Сидорова' });
      const rows = await history(2);
      assert.deepEqual(
        rows.map((r) => r.Fields),
        [
          [{ Field: 'Surname', Old: 'Иванова', New: 'Сидорова' }],
          [{ Field: 'ContragentId', Old: '1C-0002', New: 'EXT-2' }],
          [{ Field: 'Gender', Old: 0, New: -1 }],
        ],
      );
      const events = await ts.store.db.selectFrom('change_events').selectAll().where('participant_id', '=', 2).orderBy('id').execute();
      assert.deepEqual(
        events.map((e) => (JSON.parse(e.payload) as { ContragentId: string | null }).ContragentId),
        ['1C-0002', 'EXT-2', 'EXT-2'],
      );
    });

    it('no password is ever part of a record', async () => {
      const all = await ts.store.db.selectFrom('change_history').select('fields').execute();
      assert.ok(all.length > 0);
      for (const r of all) assert.doesNotMatch(r.fields, /password|secret/i);
    });
  });
}
