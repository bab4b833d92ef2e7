// The reads and the write of a PostgreSQL ClientUpdate batch: one statement each, whatever
// the batch's size, so that a batch costs a constant number of round trips.
import { sql } from 'kysely';
import type { Db, PosRef } from './directory.ts';
import type { Participant } from '../domain/participant.ts';
import { toParticipant } from './participants.ts';
import { codeKey } from './convert.ts';
import { profileColumns } from './profile-columns.ts';

/** The participants with these ids, each row locked until the transaction ends (in id order, so batches never deadlock). */
export async function lockParticipants(db: Db, ids: readonly number[]): Promise<Participant[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('participants').selectAll().where('id', 'in', [...ids]).orderBy('id').forUpdate().execute();
  return rows.map(toParticipant);
}

export async function existingOperators(db: Db, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('operators').select('id').where('id', 'in', [...ids]).execute();
  return new Set(rows.map((r) => r.id));
}

/** The points of sale of these operators with any of these codes. */
export async function posesByCode(db: Db, operatorIds: readonly number[], codes: readonly string[]): Promise<PosRef[]> {
  if (operatorIds.length === 0 || codes.length === 0) return [];
  const rows = await db
    .selectFrom('poses')
    .select(['id', 'operator_id', 'partner_id', 'code'])
    .where('operator_id', 'in', [...operatorIds])
    .where('code_key', 'in', codes.map(codeKey))
    .execute();
  return rows.map((r) => ({ id: r.id, operatorId: r.operator_id, partnerId: r.partner_id, code: r.code }));
}

/** The active widgets of these operators with any of these codes. */
export async function activeSitesByCode(db: Db, operatorIds: readonly number[], codes: readonly string[]): Promise<{ operatorId: number; code: string }[]> {
  if (operatorIds.length === 0 || codes.length === 0) return [];
  const rows = await db
    .selectFrom('sites')
    .select(['operator_id', 'code'])
    .where('operator_id', 'in', [...operatorIds])
    .where('code_key', 'in', codes.map(codeKey))
    .where('active', '=', 1)
    .execute();
  return rows.map((r) => ({ operatorId: r.operator_id, code: r.code }));
}

export interface UniqueHolder {
  id: number;
  operatorId: number;
  phone: number | null;
  emailKey: string | null;
  contragentId: string | null;
}

/** Every participant of these operators holding one of these phones, e-mail keys or ContragentIds. */
export async function uniqueHolders(
  db: Db,
  operatorIds: readonly number[],
  values: { phones: readonly number[]; emailKeys: readonly string[]; contragentIds: readonly string[] },
): Promise<UniqueHolder[]> {
  const { phones, emailKeys, contragentIds } = values;
  if (operatorIds.length === 0 || phones.length + emailKeys.length + contragentIds.length === 0) return [];
  const rows = await db
    .selectFrom('participants')
    .select(['id', 'operator_id', 'phone', 'email_key', 'contragent_id'])
    .where('operator_id', 'in', [...operatorIds])
    .where((eb) => {
      const ors = [];
      if (phones.length) ors.push(eb('phone', 'in', [...phones]));
      if (emailKeys.length) ors.push(eb('email_key', 'in', [...emailKeys]));
      if (contragentIds.length) ors.push(eb('contragent_id', 'in', [...contragentIds]));
      return eb.or(ors);
    })
    .execute();
  return rows.map((r) => ({ id: r.id, operatorId: r.operator_id, phone: r.phone === null ? null : Number(r.phone), emailKey: r.email_key, contragentId: r.contragent_id }));
}

export interface ParticipantWrite {
  /** The participant's profile after every change of the batch. */
  participant: Participant;
  /** How many changes the batch made to it (its version grows by as many). */
  changes: number;
}

/** Writes the final profile of every changed participant with one UPDATE … FROM unnest(…). */
export async function writeParticipants(db: Db, writes: readonly ParticipantWrite[], updatedAt: string): Promise<void> {
  if (writes.length === 0) return;
  const cols = writes.map((w) => ({ id: w.participant.id, bumps: w.changes, ...profileColumns(w.participant) }));
  const column = <K extends keyof (typeof cols)[number]>(k: K) => cols.map((c) => c[k] ?? null);
  const bool = (k: 'allow_sms' | 'allow_email' | 'allow_email_online_cheque') => cols.map((c) => (c[k] === null || c[k] === undefined ? null : c[k] === 1 || c[k] === true));
  await sql`
    update participants as p set
      name = u.name, surname = u.surname, patronymic = u.patronymic, phone = u.phone,
      email = u.email, email_key = u.email_key, birthdate = u.birthdate, gender = u.gender,
      allow_sms = u.allow_sms, allow_email = u.allow_email, allow_email_online_cheque = u.allow_email_online_cheque,
      contragent_id = u.contragent_id, updated_at = ${updatedAt}, version = p.version + u.bumps
    from unnest(
      ${column('id')}::integer[], ${column('bumps')}::integer[], ${column('name')}::text[], ${column('surname')}::text[],
      ${column('patronymic')}::text[], ${column('phone')}::bigint[], ${column('email')}::text[], ${column('email_key')}::text[],
      ${column('birthdate')}::date[], ${column('gender')}::smallint[], ${bool('allow_sms')}::boolean[], ${bool('allow_email')}::boolean[],
      ${bool('allow_email_online_cheque')}::boolean[], ${column('contragent_id')}::text[]
    ) as u(id, bumps, name, surname, patronymic, phone, email, email_key, birthdate, gender, allow_sms, allow_email, allow_email_online_cheque, contragent_id)
    where p.id = u.id`.execute(db);
}
