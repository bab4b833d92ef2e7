// What the bulk import reads and writes per batch, in a constant number of statements
// whatever the batch size: the participants and cards its rows name, ids for new rows,
// and the cards it links.
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { ParticipantsTable } from '../db/schema.ts';
import type { Db } from '../db/directory.ts';
import type { Engine } from '../db/store.ts';
import type { Participant } from '../participant/participant.ts';
import type { CardRow } from '../participant/store/cards.ts';
import { toParticipant } from '../participant/store/participants.ts';
import type { UniqueField } from '../participant/fields.ts';
import { UNIQUE_FIELDS, uniqueColumn } from '../participant/fields.ts';

/**
 * Participants with one of the ids (any operator), or holding one of the operator's unique
 * values (by field, as keys: e-mails lower-cased). One query per key kind, so that each uses
 * its own index (an OR across them makes SQLite scan the whole table).
 */
export async function participantsForBatch(db: Db, operatorId: number, ids: number[], keys: { readonly [F in UniqueField]?: readonly (string | number)[] }): Promise<Participant[]> {
  const byId = new Map<number, Participant>();
  const collect = (rows: Selectable<ParticipantsTable>[]) => rows.forEach((r) => byId.set(r.id, toParticipant(r)));
  const base = () => db.selectFrom('participants').selectAll();
  if (ids.length) collect(await base().where('id', 'in', ids).execute());
  for (const f of UNIQUE_FIELDS) {
    const values = keys[f] ?? [];
    if (values.length) collect(await base().where('operator_id', '=', operatorId).where(uniqueColumn(f) as 'email_key', 'in', [...values] as string[]).execute());
  }
  return [...byId.values()];
}

export async function cardsByNumber(db: Db, numbers: number[]): Promise<Map<number, CardRow>> {
  const out = new Map<number, CardRow>();
  if (numbers.length === 0) return out;
  const rows = await db.selectFrom('cards').select(['number', 'operator_id', 'participant_id']).where('number', 'in', numbers).execute();
  for (const r of rows) out.set(Number(r.number), { number: Number(r.number), operatorId: r.operator_id, participantId: r.participant_id });
  return out;
}

/** Links cards: new numbers are inserted, existing free ones of the operator updated. */
export async function linkCards(db: Db, operatorId: number, links: { number: number; participantId: number; exists: boolean }[]): Promise<void> {
  const fresh = links.filter((l) => !l.exists);
  if (fresh.length) {
    await db.insertInto('cards').values(fresh.map((l) => ({ number: l.number, operator_id: operatorId, participant_id: l.participantId, status: 0 }))).execute();
  }
  for (const l of links.filter((x) => x.exists)) {
    await db.updateTable('cards').set({ participant_id: l.participantId }).where('number', '=', l.number).where('operator_id', '=', operatorId).execute();
  }
}

/**
 * `count` fresh participant ids, all above `floor` (the largest id the file names, so that
 * a later row's kept id never meets an assigned one). PostgreSQL draws them from the id
 * sequence (moved past `floor` first), so concurrent ClientCreate calls never collide.
 */
export async function allocateParticipantIds(db: Db, engine: Engine, count: number, floor: number): Promise<number[]> {
  if (count === 0) return [];
  if (engine === 'postgres') {
    await sql`select setval(t.s, t.v) from (select pg_get_serial_sequence('participants', 'id') as s,
      greatest(coalesce((select max(id) from participants), 0), ${floor}) as v) t
      where t.v > coalesce(pg_sequence_last_value(t.s::regclass), 0)`.execute(db);
    const { rows } = await sql<{ id: string | number }>`select nextval(pg_get_serial_sequence('participants', 'id')) as id from generate_series(1, ${count})`.execute(db);
    return rows.map((r) => Number(r.id));
  }
  const row = await db.selectFrom('participants').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
  const first = Math.max(Number(row?.max ?? 0), floor) + 1;
  return Array.from({ length: count }, (_, i) => first + i);
}
