// Participants: reading them as domain objects and writing them from fixtures.
import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { ParticipantsTable } from '../../db/schema.ts';
import type { Participant, Gender } from '../participant.ts';
import type { Db } from '../../db/directory.ts';
import { nowIso, toBool } from '../../db/convert.ts';
import { participantRow } from './inserts.ts';

export function toParticipant(row: Selectable<ParticipantsTable>): Participant {
  return {
    id: row.id,
    operatorId: row.operator_id,
    name: row.name,
    surname: row.surname,
    patronymic: row.patronymic,
    phone: row.phone === null ? null : Number(row.phone),
    email: row.email,
    birthdate: row.birthdate,
    gender: row.gender as Gender,
    allowSms: toBool(row.allow_sms),
    allowEmail: toBool(row.allow_email),
    allowEmailOnlineCheque: toBool(row.allow_email_online_cheque),
    contragentId: row.contragent_id,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function findParticipant(db: Db, id: number): Promise<Participant | undefined> {
  const row = await db.selectFrom('participants').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toParticipant(row);
}

export interface ParticipantFixture {
  id: number;
  operatorId: number;
  name?: string | null;
  surname?: string | null;
  patronymic?: string | null;
  phone?: number | null;
  email?: string | null;
  birthdate?: string | null;
  gender?: Gender;
  allowSms?: boolean | null;
  allowEmail?: boolean | null;
  allowEmailOnlineCheque?: boolean | null;
  contragentId?: string | null;
  passwordHash?: string | null;
}

/** Inserts or overwrites a participant with exactly the given values (fixtures, demo data). */
export async function upsertParticipant(db: Db, p: ParticipantFixture): Promise<void> {
  const row = {
    ...participantRow({
      id: p.id,
      operatorId: p.operatorId,
      values: {
        name: p.name,
        surname: p.surname,
        patronymic: p.patronymic,
        phone: p.phone,
        email: p.email,
        birthdate: p.birthdate,
        gender: p.gender,
        allowSms: p.allowSms,
        allowEmail: p.allowEmail,
        allowEmailOnlineCheque: p.allowEmailOnlineCheque,
        contragentId: p.contragentId,
      },
      at: nowIso(),
    }),
    password_hash: p.passwordHash ?? null,
  };
  // A second run overwrites the values but keeps the row's identity, times and version.
  const { id: _id, created_at: _c, updated_at: _u, version: _v, ...values } = row;
  await db
    .insertInto('participants')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}

/** After rows were inserted with explicit ids, move PostgreSQL's sequence past them. */
export async function syncParticipantIds(db: Db, engine: 'sqlite' | 'postgres'): Promise<void> {
  if (engine !== 'postgres') return; // SQLite's rowid allocation already takes max(id) + 1.
  await sql`select setval(pg_get_serial_sequence('participants', 'id'), greatest((select max(id) from participants), 1))`.execute(db);
}
