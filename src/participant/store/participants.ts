// Participants: reading them as domain objects and writing them from fixtures.
import { sql } from 'kysely';
import type { Participant, ProfileChanges } from '../participant.ts';
import { PROFILE_FIELDS } from '../participant.ts';
import type { Db } from '../../db/directory.ts';
import { nowIso } from '../../db/convert.ts';
import { participantRow } from './inserts.ts';
import { toParticipant } from './profile-columns.ts';

export { toParticipant } from './profile-columns.ts';

export async function findParticipant(db: Db, id: number): Promise<Participant | undefined> {
  const row = await db.selectFrom('participants').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toParticipant(row);
}

/** A participant as fixtures give it: its id, operator, any profile fields, a password hash. */
export type ParticipantFixture = { id: number; operatorId: number; passwordHash?: string | null } & ProfileChanges;

/** Inserts or overwrites a participant with exactly the given values (fixtures, demo data). */
export async function upsertParticipant(db: Db, p: ParticipantFixture): Promise<void> {
  const values: ProfileChanges = {};
  for (const f of PROFILE_FIELDS) if (p[f] !== undefined) Object.assign(values, { [f]: p[f] });
  const row = {
    ...participantRow({ id: p.id, operatorId: p.operatorId, values, at: nowIso() }),
    password_hash: p.passwordHash ?? null,
  };
  // A second run overwrites the values but keeps the row's identity, times and version.
  const { id: _id, created_at: _c, updated_at: _u, version: _v, ...rest } = row;
  await db
    .insertInto('participants')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet(rest))
    .execute();
}

/** After rows were inserted with explicit ids, move PostgreSQL's sequence past them. */
export async function syncParticipantIds(db: Db, engine: 'sqlite' | 'postgres'): Promise<void> {
  if (engine !== 'postgres') return; // SQLite's rowid allocation already takes max(id) + 1.
  await sql`select setval(pg_get_serial_sequence('participants', 'id'), greatest((select max(id) from participants), 1))`.execute(db);
}
