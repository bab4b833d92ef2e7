// Creating participants: one (ClientCreate) or many in one statement (the import), and the
// lookups by phone that creation needs.
import type { Insertable } from 'kysely';
import type { ParticipantsTable } from '../../db/schema.ts';
import type { Db } from '../../db/directory.ts';
import type { ProfileChanges } from '../participant.ts';
import { newProfileColumns } from './profile-columns.ts';

export interface NewParticipant {
  /** Explicit id (import of migrated ids); absent = the database assigns one. */
  id?: number;
  operatorId: number;
  values: ProfileChanges;
  /** Creation time, ISO; it is the participant's registration date. */
  at: string;
}

export function participantRow(p: NewParticipant): Insertable<ParticipantsTable> {
  return {
    ...(p.id === undefined ? {} : { id: p.id }),
    operator_id: p.operatorId,
    ...newProfileColumns(p.values),
    password_hash: null,
    created_at: p.at,
    updated_at: p.at,
    version: 0,
  };
}

/** Inserts one participant; returns its id. */
export async function insertParticipant(db: Db, p: NewParticipant): Promise<number> {
  const out = await db.insertInto('participants').values(participantRow(p)).returning('id').executeTakeFirstOrThrow();
  return out.id;
}

/** Rows per multi-row INSERT: 18 parameters each stays far below SQLite's 32,766 and PostgreSQL's 65,535. */
const ROWS_PER_INSERT = 1000;

/** Inserts many participants, each with an explicit id, in multi-row statements. */
export async function insertParticipants(db: Db, rows: readonly (NewParticipant & { id: number })[]): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await db.insertInto('participants').values(rows.slice(i, i + ROWS_PER_INSERT).map(participantRow)).execute();
  }
}

/** The id of the operator's participant with this phone. */
export async function participantIdByPhone(db: Db, operatorId: number, phone: number): Promise<number | undefined> {
  const row = await db.selectFrom('participants').select('id').where('operator_id', '=', operatorId).where('phone', '=', phone).executeTakeFirst();
  return row?.id;
}
