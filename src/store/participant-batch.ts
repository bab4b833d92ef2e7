// The reads and the write of a PostgreSQL ClientUpdate batch: one statement each, whatever
// the batch's size, so that a batch costs two round trips (plus one per directory table
// its requests name).
import { sql } from 'kysely';
import type { Db, PosRef } from './directory.ts';
import type { Participant } from '../domain/participant.ts';
import { toParticipant } from './participants.ts';
import { codeKey } from './convert.ts';
import type { ChangeRows } from '../domain/history.ts';
import { insertChangeRows } from './history.ts';
import { profileColumns } from './profile-columns.ts';

/**
 * In one query: the participants with these ids, and every participant of these operators
 * holding one of these phones, e-mail keys or ContragentIds.
 */
export async function readParticipants(
  db: Db,
  ids: readonly number[],
  operatorIds: readonly number[],
  values: { phones: readonly number[]; emailKeys: readonly string[]; contragentIds: readonly string[] },
): Promise<Participant[]> {
  const { phones, emailKeys, contragentIds } = values;
  const claims = operatorIds.length > 0 && phones.length + emailKeys.length + contragentIds.length > 0;
  if (ids.length === 0 && !claims) return [];
  const rows = await db
    .selectFrom('participants')
    .selectAll()
    .where((eb) => {
      // One OR arm per index (the primary key, and each per-operator unique key), so that
      // both engines search the indexes rather than every participant of the operator.
      const ors = [];
      if (ids.length) ors.push(eb('id', 'in', [...ids]));
      if (claims) {
        const ops = [...operatorIds];
        if (phones.length) ors.push(eb.and([eb('operator_id', 'in', ops), eb('phone', 'in', [...phones])]));
        if (emailKeys.length) ors.push(eb.and([eb('operator_id', 'in', ops), eb('email_key', 'in', [...emailKeys])]));
        if (contragentIds.length) ors.push(eb.and([eb('operator_id', 'in', ops), eb('contragent_id', 'in', [...contragentIds])]));
      }
      return eb.or(ors);
    })
    .execute();
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

export interface ParticipantWrite {
  /** The participant's profile after every change of the batch. */
  participant: Participant;
  /** Its version when the batch read it. */
  readVersion: number;
  /** How many changes the batch made to it (its version grows by as many). */
  changes: number;
}

/** Writes a batch's changed participants and the rows that record the changes. */
export type BatchWriter = (db: Db, writes: readonly ParticipantWrite[], rows: ChangeRows, updatedAt: string) => Promise<void>;

/**
 * The batch's write inside a transaction the caller holds (SQLite's group commit, where no
 * other writer can come between the batch's read and this write): one UPDATE per changed
 * participant, one INSERT per history table.
 */
export const writeBatchInTransaction: BatchWriter = async (db, writes, rows, updatedAt) => {
  for (const w of writes) {
    await db
      .updateTable('participants')
      .set((eb) => ({ ...profileColumns(w.participant), updated_at: updatedAt, version: eb('version', '+', w.changes) }))
      .where('id', '=', w.participant.id)
      .execute();
  }
  await insertChangeRows(db, rows);
};

type PgArray = [values: readonly unknown[], type: string];

/** unnest(…) of typed arrays, one per column. */
const unnest = (columns: readonly PgArray[]) => sql`unnest(${sql.join(columns.map(([values, type]) => sql`${[...values]}::${sql.raw(type)}[]`))})`;

/**
 * Writes a batch in one statement, committed on its own: every changed participant's final
 * profile (UPDATE … FROM unnest), its history, ledger and change-event rows, and the events'
 * deliveries. The rows are not locked between the batch's read and this write, so a
 * participant changed meanwhile (its version moved) sets version to NULL, which violates NOT
 * NULL and aborts the whole statement: see isStaleBatch.
 */
export const writeBatch: BatchWriter = async (db, writes, rows, updatedAt) => {
  const cols = writes.map((w) => ({ id: w.participant.id, read: w.readVersion, bumps: w.changes, ...profileColumns(w.participant) }));
  const col = <K extends keyof (typeof cols)[number]>(k: K) => cols.map((c) => c[k] ?? null);
  const bool = (v: unknown) => (v === null || v === undefined ? null : v === 1 || v === true);
  const { histories: h, consents: c, events: e } = rows;
  await sql`
    with u as (
      select * from ${unnest([
        [col('id'), 'integer'], [col('read'), 'integer'], [col('bumps'), 'integer'], [col('name'), 'text'], [col('surname'), 'text'],
        [col('patronymic'), 'text'], [col('phone'), 'bigint'], [col('email'), 'text'], [col('email_key'), 'text'], [col('birthdate'), 'date'],
        [col('gender'), 'smallint'], [col('allow_sms').map(bool), 'boolean'], [col('allow_email').map(bool), 'boolean'],
        [col('allow_email_online_cheque').map(bool), 'boolean'], [col('contragent_id'), 'text'],
      ])} as u(id, read_version, bumps, name, surname, patronymic, phone, email, email_key, birthdate, gender, allow_sms, allow_email, allow_email_online_cheque, contragent_id)
    ), upd as (
      update participants as p set
        name = u.name, surname = u.surname, patronymic = u.patronymic, phone = u.phone,
        email = u.email, email_key = u.email_key, birthdate = u.birthdate, gender = u.gender,
        allow_sms = u.allow_sms, allow_email = u.allow_email, allow_email_online_cheque = u.allow_email_online_cheque,
        contragent_id = u.contragent_id, updated_at = ${updatedAt},
        version = case when p.version = u.read_version then p.version + u.bumps end
      from u where p.id = u.id
    ), h as (
      insert into change_history (participant_id, operator_id, changed_at, initiator_kind, manager_login, manager_token, pos_code, site_code, request_id, remote_address, fields)
      select participant_id, operator_id, changed_at, initiator_kind, manager_login, manager_token, pos_code, site_code, request_id, remote_address, fields
      from ${unnest([
        [h.map((r) => r.participant_id), 'integer'], [h.map((r) => r.operator_id), 'integer'], [h.map((r) => r.changed_at), 'timestamptz'],
        [h.map((r) => r.initiator_kind), 'text'], [h.map((r) => r.manager_login ?? null), 'text'], [h.map((r) => r.manager_token ?? null), 'integer'],
        [h.map((r) => r.pos_code ?? null), 'text'], [h.map((r) => r.site_code ?? null), 'text'], [h.map((r) => r.request_id), 'text'],
        [h.map((r) => r.remote_address ?? null), 'text'], [h.map((r) => r.fields), 'text'],
      ])} with ordinality as x(participant_id, operator_id, changed_at, initiator_kind, manager_login, manager_token, pos_code, site_code, request_id, remote_address, fields, ord)
      order by ord
      returning id
    ), hn as (
      -- ids grow in insertion order: the n-th id is the n-th history row
      select id, row_number() over (order by id) as ord from h
    ), c as (
      insert into consent_ledger (history_id, participant_id, operator_id, changed_at, initiator_kind, manager_login, manager_token, pos_code, site_code, request_id, remote_address, consent, given, previous)
      select hn.id, participant_id, operator_id, changed_at, initiator_kind, manager_login, manager_token, pos_code, site_code, request_id, remote_address, consent, given, previous
      from ${unnest([
        [c.map((r) => r.historyIndex + 1), 'bigint'], [c.map((r) => r.row.participant_id), 'integer'], [c.map((r) => r.row.operator_id), 'integer'],
        [c.map((r) => r.row.changed_at), 'timestamptz'], [c.map((r) => r.row.initiator_kind), 'text'], [c.map((r) => r.row.manager_login ?? null), 'text'],
        [c.map((r) => r.row.manager_token ?? null), 'integer'], [c.map((r) => r.row.pos_code ?? null), 'text'], [c.map((r) => r.row.site_code ?? null), 'text'],
        [c.map((r) => r.row.request_id), 'text'], [c.map((r) => r.row.remote_address ?? null), 'text'], [c.map((r) => r.row.consent), 'text'],
        [c.map((r) => r.row.given), 'boolean'], [c.map((r) => r.row.previous), 'boolean'],
      ])} as x(history_ord, participant_id, operator_id, changed_at, initiator_kind, manager_login, manager_token, pos_code, site_code, request_id, remote_address, consent, given, previous)
      join hn on hn.ord = x.history_ord
    ), e as (
      insert into change_events (event_id, participant_id, operator_id, payload, created_at)
      select event_id, participant_id, operator_id, payload, created_at
      from ${unnest([
        [e.map((r) => r.eventId), 'text'], [e.map((r) => r.participantId), 'integer'], [e.map((r) => r.operatorId), 'integer'],
        [e.map((r) => r.payload), 'text'], [e.map((r) => r.createdAt), 'timestamptz'],
      ])} with ordinality as x(event_id, participant_id, operator_id, payload, created_at, ord)
      order by ord
      returning id, participant_id, operator_id
    )
    insert into webhook_deliveries (event_id, webhook_id, participant_id)
    select e.id, w.id, e.participant_id from e join webhooks w on w.operator_id = e.operator_id`.execute(db);
};

/** True when writeBatch refused because a participant changed after the batch read it. */
export function isStaleBatch(err: unknown): boolean {
  const e = err as { code?: string; column?: string };
  return e.code === '23502' && e.column === 'version';
}
