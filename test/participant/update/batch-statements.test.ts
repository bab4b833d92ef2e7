// The ClientUpdate batch's fixed statements (src/participant/store/batch-write.ts,
// src/db/fixed-statements.ts): reads whose text never varies, their rows read back as JSON
// arrays on SQLite (participantFromValues), checked against the ordinary reads (kysely,
// toParticipant) on both engines, on the store (SQLite: the main thread's reader) and inside
// a transaction (SQLite: the connection's thread); their plans search the indexes; SQLite's
// UPDATE of a batch sets the columns of the changed fields only, one text per set of them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, sql } from 'kysely';
import { ENGINES } from '../../helpers/engines.ts';
import type { TestStore } from '../../helpers/engines.ts';
import { seededStore } from '../../helpers/app.ts';
import { findParticipant, upsertParticipant } from '../../../src/participant/store/participants.ts';
import type { ParticipantWrite } from '../../../src/participant/store/batch-write.ts';
import { BATCH_READS, activeSitesByCode, commitBatch, existingOperators, posesByCode, readParticipants, updateText, writeBatchStatements } from '../../../src/participant/store/batch-write.ts';
import { changeRows } from '../../../src/participant/change-record.ts';
import { keyRow } from '../../../src/idempotency/store.ts';
import { addWebhook } from '../../../src/webhooks/store/webhooks.ts';
import { toBool } from '../../../src/db/convert.ts';
import type { DbBool } from '../../../src/db/schema.ts';
import { CASHIER, CLIENT_1 } from '../../helpers/fixtures.ts';
import { ctx } from '../../history/support.ts';
import { fieldSet } from '../../../src/participant/store/profile-columns.ts';
import { findPos } from '../../../src/db/directory.ts';
import { ROWS_PER_STATEMENT, readParameters } from '../../../src/db/fixed-statements.ts';
import type { FieldChange, Participant, ProfileField } from '../../../src/participant/participant.ts';
import type { FieldSpec } from '../../../src/participant/fields.ts';
import { FIELDS, PROFILE_FIELDS } from '../../../src/participant/fields.ts';
import type { Db } from '../../../src/db/directory.ts';

/** Every field given, with text that JSON must carry intact. */
const FULL = {
  id: 10,
  operatorId: 1,
  name: 'O\'Brien "\\" 🙂',
  surname: 'Ёжиков',
  patronymic: 'Tab\there',
  phone: 79169999910,
  email: 'Mixed.Case@Example.RU',
  birthdate: '1985-12-31',
  gender: -1,
  allowSms: true,
  allowEmail: false,
  allowEmailOnlineCheque: null,
  contragentId: 'X-"10"',
  agreePersonalData: true,
} as const;

const byId = (ps: readonly Participant[]) => [...ps].sort((a, b) => a.id - b.id);

for (const engine of ENGINES) {
  describe(`the ClientUpdate batch's fixed reads on ${engine}`, () => {
    let ts: TestStore;
    before(async () => {
      ts = await seededStore(engine);
      await upsertParticipant(ts.store.db, FULL);
      // Nothing but its operator: every nullable field null.
      await upsertParticipant(ts.store.db, { id: 11, operatorId: 2 });
    });
    after(async () => ts?.dispose());

    /** On the store as the batch reads (SQLite: the main thread's reader), and inside a transaction (SQLite: the thread). */
    const both = async <T>(read: (db: Db) => Promise<T>): Promise<T[]> => [await read(ts.store.db), await ts.store.transact(read)];

    it('readParticipants reads the participants as findParticipant does', async () => {
      const ids = [1, 2, 3, 10, 11, 999];
      const expected = (await Promise.all(ids.map((id) => findParticipant(ts.store.db, id)))).filter((p) => p !== undefined);
      assert.equal(expected.length, 5);
      for (const got of await both((db) => readParticipants(db, ids, [], {}))) assert.deepEqual(byId(got), expected);
    });

    it('readParticipants finds the holders of claimed values among the given operators only', async () => {
      const keys = { phone: [79160000001, 79160000003], email_key: [], email: ['maria@example.ru'], contragentId: ['X-"10"'] };
      for (const got of await both((db) => readParticipants(db, [], [1], keys))) assert.deepEqual(byId(got).map((p) => p.id), [1, 2, 10]);
      for (const got of await both((db) => readParticipants(db, [], [2], keys))) assert.deepEqual(byId(got).map((p) => p.id), [3]);
      for (const got of await both((db) => readParticipants(db, [11], [], keys))) assert.deepEqual(byId(got).map((p) => p.id), [11], 'no operator: no claims read');
    });

    it('the directory reads: operators, POS and active widgets by code, of the given operators', async () => {
      for (const got of await both((db) => existingOperators(db, [1, 2, 3]))) assert.deepEqual([...got].sort(), [1, 2]);
      const msk = await findPos(ts.store.db, 1, 'MSK-001');
      for (const got of await both((db) => posesByCode(db, [1], ['msk-001', 'OTH-001', 'NONE']))) assert.deepEqual(got, [msk]);
      for (const got of await both((db) => activeSitesByCode(db, [1], ['w-1', 'W-OFF', 'W-2']))) assert.deepEqual(got, [{ operatorId: 1, code: 'W-1' }]);
    });

    it('every read searches the indexes (the plan, with sequential scans off on PostgreSQL)', async () => {
      const plan = async (text: string, parameters: readonly unknown[]) =>
        ts.store.db.transaction().execute(async (tx) => {
          if (engine === 'postgres') {
            await sql`set local enable_seqscan = off`.execute(tx);
            const res = await tx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain (costs off) ${text}`, [...parameters]));
            return res.rows.map((r) => r['QUERY PLAN']).join('\n');
          }
          const res = await tx.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${text}`, [...parameters]));
          return res.rows.map((r) => r.detail).join('\n');
        });
      const expected =
        engine === 'postgres'
          ? {
              participants: [/participants_pkey/, /participants_operator_phone_key/, /participants_operator_email_key/, /participants_operator_contragent_key/],
              operators: [/operators_pkey/],
              poses: [/poses_operator_code_key/],
              sites: [/Index .*sites/],
              keys: [/idempotency_keys_pkey/],
            }
          : {
              participants: [
                /SEARCH participants USING INTEGER PRIMARY KEY \(rowid=\?\)/,
                /SEARCH participants USING INDEX \S+ \(operator_id=\? AND phone=\?\)/,
                /SEARCH participants USING INDEX \S+ \(operator_id=\? AND email_key=\?\)/,
                /SEARCH participants USING INDEX \S+ \(operator_id=\? AND contragent_id=\?\)/,
              ],
              operators: [/SEARCH operators USING INTEGER PRIMARY KEY \(rowid=\?\)/],
              poses: [/SEARCH poses USING INDEX \S+ \(operator_id=\? AND code_key=\?\)/],
              sites: [/SEARCH sites USING INDEX \S+ \(code_key=\?\)/],
              keys: [/SEARCH idempotency_keys USING INDEX \S+ \(operator_id=\? AND principal=\? AND operation=\? AND key=\?\)/],
            };
      for (const [name, read] of Object.entries(BATCH_READS)) {
        // Lists of two values of each parameter's type (a tuples list: two tuples).
        const types = [...read.postgres.matchAll(/\$\d+::(\w+)\[\]/g)].map(([, type]) => type!);
        const value = (type: string, i: number) => (type === 'text' ? `x${i}` : i + 1);
        let next = 0;
        const lists = read.widths.map((width) => {
          const ts = types.slice(next, (next += width));
          return [0, 1].map((i) => (width === 1 ? value(ts[0]!, i) : ts.map((t) => value(t, i))));
        });
        const text = engine === 'postgres' ? read.postgres : read.sqlite;
        const parameters = readParameters(read, engine === 'postgres', lists);
        const shown = await plan(text, parameters);
        assert.doesNotMatch(shown, /SCAN (participants|operators|poses|sites|idempotency_keys)\b|Seq Scan on (participants|operators|poses|sites|idempotency_keys)/, `${name}: no table scan\n${shown}`);
        for (const re of expected[name as keyof typeof expected]) assert.match(shown, re, `${name}\n${shown}`);
      }
    });
  });
}

for (const engine of ENGINES) {
  describe(`the ClientUpdate batch's write on ${engine}`, () => {
    let ts: TestStore;
    before(async () => {
      ts = await seededStore(engine);
      await addWebhook(ts.store.db, { operatorId: 1, url: 'http://127.0.0.1:9/a', secret: 's' });
      await addWebhook(ts.store.db, { operatorId: 1, url: 'http://127.0.0.1:9/b', secret: 's', events: ['participant.confirmation_code'] });
    });
    after(async () => ts?.dispose());

    it('stores every row as given: the JSON columns as written, each ledger row under its history row', async () => {
      const time = '2024-01-02T03:04:05.678Z';
      const manager = { ...CASHIER, login: 'cash"ier\\ 🙂' };
      const p1 = (await findParticipant(ts.store.db, 1))!;
      const p2 = (await findParticipant(ts.store.db, 2))!;
      const changes1: FieldChange[][] = [
        [{ field: 'name', old: p1.name, new: 'Пётр "\\" \u0001 🙂' }, { field: 'allowSms', old: true, new: false }],
        [{ field: 'allowSms', old: false, new: true }, { field: 'contragentId', old: p1.contragentId, new: 'C-"1"' }],
      ];
      const changes2: FieldChange[] = [{ field: 'phone', old: p2.phone, new: 79165550199 }, { field: 'allowEmail', old: null, new: true }];
      const items = [
        { ctx: ctx(manager, 'req-"1"', '192.0.2.1'), changed: { before: p1, changes: changes1[0]!, operatorId: 1, posCode: 'MSK-001', siteCode: null } },
        { ctx: ctx(CLIENT_1, 'req-2', ''), changed: { before: p2, changes: changes2, operatorId: 1, posCode: null, siteCode: 'W-1' } },
        { ctx: ctx(manager, 'req-3', '192.0.2.3'), changed: { before: p1, changes: changes1[1]!, operatorId: 1, posCode: null, siteCode: null } },
      ];
      const rows = changeRows(items, time);
      const after1 = { ...p1, name: 'Пётр "\\" \u0001 🙂', allowSms: true, contragentId: 'C-"1"', version: p1.version + 2 };
      const after2 = { ...p2, phone: 79165550199, allowEmail: true, version: p2.version + 1 };
      const writes: ParticipantWrite[] = [
        { participant: after1, readVersion: p1.version, changeCount: 2, fields: ['name', 'allowSms', 'contragentId'] },
        { participant: after2, readVersion: p2.version, changeCount: 1, fields: ['phone', 'allowEmail'] },
      ];
      const claim = { operatorId: 1, principal: 'manager:cashier', operation: 'ClientUpdate', key: 'k-"1"', requestHash: 'h', ttlMs: 60_000 };
      const keys = [keyRow(claim, { ErrorCode: 0, Message: 'Готово "ok"' }, time)];
      const top = async (table: 'change_history' | 'consent_ledger' | 'change_events', n: number) =>
        (await ts.store.db.selectFrom(table).selectAll().orderBy('id', 'desc').limit(n).execute()).reverse() as Record<string, unknown>[];
      const without = (row: Record<string, unknown>, ...columns: string[]) => Object.fromEntries(Object.entries(row).filter(([c]) => !columns.includes(c)));

      await commitBatch(ts.store)(writes, rows, time, keys);

      const histories = await top('change_history', 3);
      assert.deepEqual(histories.map((h) => without(h, 'id')), rows.histories);
      const ledger = await top('consent_ledger', rows.consents.length);
      assert.equal(ledger.length, 3);
      assert.deepEqual(
        ledger.map((l) => ({ ...without(l, 'id', 'history_id'), given: toBool(l.given as DbBool), previous: toBool(l.previous as DbBool | null) })),
        rows.consents.map((c) => c.row),
      );
      // Items 0 and 2 both change participant 1's AllowSms: the first ledger row under history row 0, not its newest.
      assert.deepEqual(
        ledger.map((l) => histories.findIndex((h) => h.id === l.history_id)),
        [0, 1, 2],
      );
      const events = await top('change_events', 3);
      assert.deepEqual(
        events.map((e) => without(e, 'id')),
        rows.events.map((e) => ({ event_id: e.eventId, participant_id: e.participantId, operator_id: e.operatorId, payload: e.payload, created_at: e.createdAt })),
      );
      const deliveries = await ts.store.db.selectFrom('webhook_deliveries').select(['event_id', 'participant_id']).where('event_id', 'in', events.map((e) => e.id as number)).orderBy('event_id').execute();
      assert.deepEqual(deliveries, events.map((e) => ({ event_id: e.id, participant_id: e.participant_id })), 'one delivery per event: to the webhook that takes change events');
      const stored = await ts.store.db.selectFrom('idempotency_keys').selectAll().where('key', '=', 'k-"1"').execute();
      assert.deepEqual(stored, keys);
      assert.deepEqual(await findParticipant(ts.store.db, 1), { ...after1, updatedAt: time });
      assert.deepEqual(await findParticipant(ts.store.db, 2), { ...after2, updatedAt: time });
    });

    it(`more rows than one statement takes (${ROWS_PER_STATEMENT}): all stored in order, each ledger row under its history row`, async () => {
      const time = '2024-01-03T00:00:00.000Z';
      const n = 2 * ROWS_PER_STATEMENT + 5;
      const start = [(await findParticipant(ts.store.db, 1))!, (await findParticipant(ts.store.db, 2))!];
      const current = [...start];
      const items = Array.from({ length: n }, (_, i) => {
        const before = current[i % 2]!;
        const changes = [{ field: 'allowSms', old: before.allowSms, new: !before.allowSms } as FieldChange, { field: 'patronymic', old: before.patronymic, new: `P${i}` } as FieldChange];
        current[i % 2] = { ...before, allowSms: !before.allowSms, patronymic: `P${i}`, version: before.version + 1 };
        return { ctx: ctx(CASHIER, `many-${i}`), changed: { before, changes, operatorId: 1, posCode: null, siteCode: null } };
      });
      const rows = changeRows(items, time);
      const writes: ParticipantWrite[] = current.map((p, i) => ({ participant: p, readVersion: start[i]!.version, changeCount: Math.ceil((n - i) / 2), fields: ['allowSms', 'patronymic'] }));
      await commitBatch(ts.store)(writes, rows, time, []);

      const histories = (await ts.store.db.selectFrom('change_history').selectAll().orderBy('id', 'desc').limit(n).execute()).reverse();
      assert.deepEqual(histories.map((h) => h.request_id), rows.histories.map((h) => h.request_id));
      const ledger = (await ts.store.db.selectFrom('consent_ledger').select(['history_id', 'request_id']).orderBy('id', 'desc').limit(n).execute()).reverse();
      assert.deepEqual(
        ledger.map((l) => histories.find((h) => h.id === l.history_id)?.request_id),
        rows.consents.map((c) => c.row.request_id),
      );
      const events = (await ts.store.db.selectFrom('change_events').select(['id', 'event_id']).orderBy('id', 'desc').limit(n).execute()).reverse();
      assert.deepEqual(events.map((e) => e.event_id), rows.events.map((e) => e.eventId));
      const deliveries = await ts.store.db.selectFrom('webhook_deliveries').select('event_id').where('event_id', '>=', events[0]!.id).orderBy('event_id').execute();
      assert.deepEqual(deliveries.map((d) => d.event_id), events.map((e) => e.id));
      assert.deepEqual(await findParticipant(ts.store.db, 1), { ...current[0], updatedAt: time });
    });
  });
}

describe("SQLite's UPDATE of a batch", () => {
  const write = (id: number, fields: ProfileField[]): ParticipantWrite => ({
    participant: { ...FULL, id, version: 3, createdAt: 't', updatedAt: 't' } as Participant,
    readVersion: 2,
    changeCount: 1,
    fields,
  });
  /** The columns each UPDATE of a write sets, and how many rows it carries. */
  const updates = (writes: ParticipantWrite[]) =>
    writeBatchStatements(writes, { histories: [], consents: [], events: [] }, 'now', [])
      .filter((s) => s.sql.startsWith('update participants'))
      .map((s) => ({
        columns: /set (.*), updated_at = \?/
          .exec(s.sql)![1]!
          .split(', ')
          .map((a) => a.split(' = ')[0]),
        rows: (JSON.parse(s.parameters[1] as string) as unknown[][]).map((r) => r.slice(3)),
      }));

  it("sets exactly the columns of the fields a write changed (their derived keys too): one statement per set of fields", () => {
    assert.deepEqual(updates([write(1, ['name']), write(2, ['allowSms', 'phone']), write(3, ['name']), write(4, ['email'])]), [
      { columns: ['name', 'name_key', 'version'], rows: [[FULL.name, "o'brien \"\\\" 🙂"], [FULL.name, "o'brien \"\\\" 🙂"]] },
      { columns: ['phone', 'allow_sms', 'version'], rows: [[FULL.phone, 1]] },
      { columns: ['email', 'email_key', 'version'], rows: [[FULL.email, 'mixed.case@example.ru']] },
    ]);
  });

  it('keeps one text per set, each setting that set\'s columns, also after the bounded cache dropped it', () => {
    /** The columns of a set's fields, from the field table. */
    const expected = (set: number) =>
      PROFILE_FIELDS.filter((_, i) => set & (1 << i))
        .flatMap((f) => {
          const spec: FieldSpec = FIELDS[f];
          return [spec.column, spec.unique?.key?.column, spec.search?.column].filter((c) => c !== undefined);
        })
        .concat('version')
        .sort();
    const setsOf = (text: string) =>
      /set (.*), updated_at = \?/
        .exec(text)![1]!
        .split(', ')
        .map((a) => a.split(' = ')[0])
        .sort();
    const first = new Map<number, string>();
    // More sets than the cache keeps, twice: the second round finds the first's dropped.
    for (const round of [1, 2]) {
      for (let set = 1; set < 300; set++) {
        const text = updateText(set);
        assert.deepEqual(setsOf(text), expected(set), `set ${set}`);
        if (round === 1) first.set(set, text);
        else assert.equal(text, first.get(set));
      }
    }
    assert.deepEqual(setsOf(updateText(fieldSet(['surname', 'phone']))), ['phone', 'surname', 'surname_key', 'version']);
  });
});
