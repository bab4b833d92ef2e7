// Every kind of console search is answered from an index, on both engines: the plan of each
// query (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL) is checked, not its time. On
// PostgreSQL sequential scans are disabled for the check, so that a small test table cannot
// make the planner prefer one: the plan must then name the index meant for the search.
// Also: migration 0005 fills the search keys of participants stored before it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, Migrator, sql } from 'kysely';
import { ENGINES, createTestDatabase, createTestStore } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { seed } from '../../src/seed/fixtures.ts';
import { openStore } from '../../src/db/store.ts';
import { migrationProvider } from '../../src/db/migrations/index.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { insertParticipants } from '../../src/participant/store/inserts.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import { prefixCount, searchQueries } from '../../src/participant/store/search-queries.ts';
import type { SearchKind, SearchTerms } from '../../src/participant/store/search-queries.ts';
import { searchTerms } from '../../src/participant/search.ts';
import { deliveryPageQuery } from '../../src/webhooks/store/deliveries.ts';

const SURNAMES = ['Петров', 'Иванов', 'Сидоров', 'Смирнов', 'Кузнецов', 'Попов', 'Соколов', 'Лебедев'];

/** What the plan of each kind must show: the index searched with the term's columns. */
const EXPECTED: Record<'sqlite' | 'postgres', Record<SearchKind | 'NameFirst', RegExp[]>> = {
  sqlite: {
    Phone: [/SEARCH participants USING (COVERING )?INDEX \S+ \(operator_id=\? AND phone=\?\)/],
    Email: [/SEARCH participants USING (COVERING )?INDEX \S+ \(operator_id=\? AND email_key=\?\)/],
    Card: [/SEARCH cards USING (COVERING )?INDEX \S+ \(number=\?\)/, /SEARCH participants USING INTEGER PRIMARY KEY \(rowid=\?\)/],
    ContragentId: [/SEARCH participants USING (COVERING )?INDEX \S+ \(operator_id=\? AND contragent_id=\?\)/],
    Name: [/SEARCH participants USING INDEX participants_name_search_idx \(operator_id=\? AND surname_key>\? AND surname_key<\?\)/],
    NameFirst: [/SEARCH participants USING INDEX participants_name_key_idx \(operator_id=\? AND name_key>\? AND name_key<\?\)/],
  },
  postgres: {
    Phone: [/Index Scan using participants_operator_phone_key on participants/, /Index Cond: \(\(operator_id = 1\) AND \(phone = /],
    Email: [/Index Scan using participants_operator_email_key on participants/, /Index Cond: \(\(operator_id = 1\) AND \(email_key = /],
    Card: [/Index Scan using cards_pkey on cards/, /Index Scan using participants_pkey on participants/],
    ContragentId: [/Index Scan using participants_operator_contragent_key on participants/, /Index Cond: \(\(operator_id = 1\) AND \(contragent_id = /],
    Name: [/Index Scan using participants_name_search_idx on participants/, /Index Cond: \(\(operator_id = 1\) AND \(surname_key >= .*\) AND \(surname_key < .*\) AND \(name_key >= .*\) AND \(name_key < /],
    NameFirst: [/Index Scan using participants_name_key_idx on participants|Bitmap Index Scan on participants_name_key_idx/, /Index Cond: \(\(operator_id = 1\) AND \(name_key >= .*\) AND \(name_key < /],
  },
};

for (const engine of ENGINES) {
  describe(`search plans on ${engine}`, () => {
    let ts: TestStore;

    before(async () => {
      ts = await createTestStore(engine);
      await seed(ts.store.db, ts.store.engine, FIXTURES);
      const at = new Date().toISOString();
      await insertParticipants(
        ts.store.db,
        Array.from({ length: 3000 }, (_, i) => ({
          id: 100 + i,
          operatorId: 1 + (i % 2),
          at,
          values: { surname: `${SURNAMES[i % SURNAMES.length]}${i}`, name: `Имя${i}`, phone: 79000000000 + i, email: `u${i}@example.ru`, contragentId: `C-${i}` },
        })),
      );
      await ts.store.db.insertInto('cards').values(Array.from({ length: 500 }, (_, i) => ({ number: 2000000001000 + i, operator_id: 1, participant_id: 100 + 2 * i, status: 0 }))).execute();
      await sql`analyze`.execute(ts.store.db);
    });
    after(async () => ts?.dispose());

    /** The plan of a compiled query as text, one line per node. */
    const plan = async (query: CompiledQuery): Promise<string> =>
      ts.store.db.transaction().execute(async (tx) => {
        if (engine === 'postgres') {
          await sql`set local enable_seqscan = off`.execute(tx);
          const res = await tx.executeQuery<{ 'QUERY PLAN': string }>(CompiledQuery.raw(`explain (costs off) ${query.sql}`, [...query.parameters]));
          return res.rows.map((r) => r['QUERY PLAN']).join('\n');
        }
        const res = await tx.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]));
        return res.rows.map((r) => r.detail).join('\n');
      });

    const cases: [string, SearchKind | 'NameFirst'][] = [
      ['8 900 000-00-10', 'Phone'],
      ['U10@Example.RU', 'Email'],
      ['2000000001004', 'Card'],
      ['C-10', 'ContragentId'],
      ['Петров Им', 'Name'],
      ['Петров Имя1', 'NameFirst'],
    ];
    for (const [query, kind] of cases) {
      it(`searches ${kind} (${query}) through its index`, async () => {
        let terms: SearchTerms = searchTerms(query);
        if (kind === 'NameFirst') terms = { name: { ...terms.name!, by: 'name' } };
        const q = searchQueries(ts.store.db, 1, terms, 50).find((x) => x.kind === (kind === 'NameFirst' ? 'Name' : kind));
        assert.ok(q, `${query} is read as ${kind}`);
        const text = await plan(q.query.compile());
        for (const expected of EXPECTED[engine][kind]) assert.match(text, expected, text);
        // No scan of a whole table; and, but for the rare name's few matches, no sort: the index gives the order.
        assert.doesNotMatch(text, /\bSCAN (participants|cards)\b|Seq Scan/, text);
        if (kind !== 'NameFirst') assert.doesNotMatch(text, /TEMP B-TREE|Sort/, text);
        assert.ok((await q.query.execute()).length >= 1, `${query} finds someone`);
      });
    }

    it('counts prefix matches (to choose the driving index) through the indexes, reading at most the cap', async () => {
      for (const [column, index] of [['surname_key', 'participants_name_search_idx'], ['name_key', 'participants_name_key_idx']] as const) {
        const q = ts.store.db
          .selectFrom('participants')
          .select('id')
          .where('operator_id', '=', 1)
          .where(column, '>=', 'п')
          .where(column, '<', 'п\u{10FFFF}')
          .limit(1000);
        const text = await plan(q.compile());
        assert.match(text, new RegExp(index), text);
        assert.doesNotMatch(text, /\bSCAN participants\b(?! USING COVERING)|Seq Scan/, text);
      }
      assert.equal(await prefixCount(ts.store.db, 1, 'surname_key', 'петров', 1000), 376);
      assert.equal(await prefixCount(ts.store.db, 1, 'surname_key', 'п', 100), 100);
    });

    if (engine === 'postgres') {
      it('declares the search keys COLLATE "C" on PostgreSQL (byte order: prefix ranges hold whatever the locale)', async () => {
        const { rows } = await sql<{ column_name: string; collation_name: string }>`
          select column_name, collation_name from information_schema.columns
          where table_name = 'participants' and column_name in ('surname_key', 'name_key') order by column_name`.execute(ts.store.db);
        assert.deepEqual(rows, [
          { column_name: 'name_key', collation_name: 'C' },
          { column_name: 'surname_key', collation_name: 'C' },
        ]);
      });
    }

    it("reads a participant's deliveries through the index on participant_id", async () => {
      const captured = deliveryPageQuery(ts.store.db, 100, { limit: 20, offset: 0 }).compile();
      const text = await plan(captured);
      assert.match(text, engine === 'postgres' ? /webhook_deliveries_participant_idx/ : /SEARCH d USING (COVERING )?INDEX webhook_deliveries_participant_idx \(participant_id=\?\)/, text);
    });
  });

  describe(`migration 0005-search on ${engine}`, () => {
    it('fills the search keys of the participants stored before it', async () => {
      const database = await createTestDatabase(engine);
      const store = await openStore(database.url);
      try {
        // Up to the migration before it, whichever that is.
        const names = Object.keys(await migrationProvider.getMigrations()).sort();
        const { error } = await new Migrator({ db: store.db, provider: migrationProvider }).migrateTo(names[names.indexOf('0005-search') - 1]!);
        assert.equal(error, undefined);
        await sql`insert into operators (id, name) values (1, 'o')`.execute(store.db);
        await sql`insert into participants (id, operator_id, surname, name, gender, created_at, updated_at, version)
          values (1, 1, 'ЁЛКИН', 'Пётр', 0, ${new Date().toISOString()}, ${new Date().toISOString()}, 0),
                 (2, 1, null, null, 0, ${new Date().toISOString()}, ${new Date().toISOString()}, 0)`.execute(store.db);
        // 0005-search and the migrations after it.
        assert.deepEqual((await migrateToLatest(store.db)).applied, names.slice(names.indexOf('0005-search')));
        const rows = await store.db.selectFrom('participants').select(['id', 'surname_key', 'name_key']).orderBy('id').execute();
        assert.deepEqual(rows, [
          { id: 1, surname_key: 'елкин', name_key: 'петр' },
          { id: 2, surname_key: null, name_key: null },
        ]);
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });
}
