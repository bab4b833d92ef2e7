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
import { BATCH_READS, activeSitesByCode, existingOperators, posesByCode, readParticipants, updateText, writeBatchStatements } from '../../../src/participant/store/batch-write.ts';
import { fieldSet } from '../../../src/participant/store/profile-columns.ts';
import { findPos } from '../../../src/db/directory.ts';
import type { Participant, ProfileField } from '../../../src/participant/participant.ts';
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
            };
      for (const [name, read] of Object.entries(BATCH_READS)) {
        // A list of two values of each parameter's type.
        const lists = [...read.postgres.matchAll(/\$\d+::(\w+)\[\]/g)].map(([, type]) => (type === 'text' ? ['x', 'y'] : [1, 2]));
        const text = engine === 'postgres' ? read.postgres : read.sqlite;
        const parameters = engine === 'postgres' ? lists : lists.map((l) => JSON.stringify(l));
        const shown = await plan(text, parameters);
        assert.doesNotMatch(shown, /SCAN (participants|operators|poses|sites)\b|Seq Scan/, `${name}: no table scan\n${shown}`);
        for (const re of expected[name as keyof typeof expected]) assert.match(shown, re, `${name}\n${shown}`);
      }
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
