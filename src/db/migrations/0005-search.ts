// The operator console's search (docs/console.md): lower-cased name keys for prefix search,
// and the indexes that let every kind of search (phone, e-mail, card, ContragentId, surname
// prefix with an optional name prefix) and a participant's deliveries use an index.
//
// The keys are written by the application (profile-columns.ts), not by SQL: SQLite's lower()
// folds ASCII only, so a key made in SQL would not fold Cyrillic. A prefix is searched as the
// range `key >= p AND key < p || U+10FFFF`, which both engines answer from a B-tree index when
// the column compares bytes: SQLite's default BINARY collation, PostgreSQL's "C" collation
// (declared on the column, so that the database's locale cannot break the range).
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import { isPostgres } from './column-types.ts';
import { nameKey } from '../convert.ts';

const BACKFILL_ROWS = 5000;

export async function up(db: Kysely<unknown>): Promise<void> {
  const pg = isPostgres(db);
  for (const column of ['surname_key', 'name_key']) {
    await db.schema
      .alterTable('participants')
      .addColumn(column, 'text', (c) => (pg ? c.modifyFront(sql`collate "C"`) : c))
      .execute();
  }
  await backfill(db, pg);
  await db.schema.createIndex('participants_name_search_idx').on('participants').columns(['operator_id', 'surname_key', 'name_key', 'id']).execute();
  // A rare name prefix under a common surname prefix (participant/search.ts withNameDriver).
  await db.schema.createIndex('participants_name_key_idx').on('participants').columns(['operator_id', 'name_key']).execute();
  // A participant's deliveries, newest event first (the console's list).
  await db.schema.createIndex('webhook_deliveries_participant_idx').on('webhook_deliveries').columns(['participant_id', 'event_id']).execute();
}

/** Keys of the participants stored before this migration, in chunks of ids. */
async function backfill(db: Kysely<unknown>, pg: boolean): Promise<void> {
  let after = 0;
  for (;;) {
    const { rows } = await sql<{ id: number; surname: string | null; name: string | null }>`
      select id, surname, name from participants where id > ${after} order by id limit ${BACKFILL_ROWS}`.execute(db);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.id;
    const keyed = rows
      .filter((r) => r.surname !== null || r.name !== null)
      .map((r) => ({ id: r.id, s: r.surname === null ? null : nameKey(r.surname), n: r.name === null ? null : nameKey(r.name) }));
    if (keyed.length === 0) continue;
    const json = JSON.stringify(keyed);
    if (pg) {
      await sql`update participants p set surname_key = x.s, name_key = x.n
        from jsonb_to_recordset(${json}::jsonb) as x(id integer, s text, n text) where p.id = x.id`.execute(db);
    } else {
      await sql`update participants set surname_key = u.s, name_key = u.n
        from (select value ->> 'id' as id, value ->> 's' as s, value ->> 'n' as n from json_each(${json})) as u
        where participants.id = u.id`.execute(db);
    }
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('webhook_deliveries_participant_idx').execute();
  await db.schema.dropIndex('participants_name_key_idx').execute();
  await db.schema.dropIndex('participants_name_search_idx').execute();
  await db.schema.alterTable('participants').dropColumn('name_key').execute();
  await db.schema.alterTable('participants').dropColumn('surname_key').execute();
}
