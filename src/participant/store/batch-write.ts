// The reads and the writes of a ClientUpdate batch, whatever its size: one query reads the
// participants (plus one per directory table its requests name). On PostgreSQL one
// statement writes and commits everything, so that a batch costs two round trips; on
// SQLite one transaction of its own: one UPDATE per set of changed columns and one INSERT
// per history table, sent to the store's SQLite thread at once.
import { sql } from 'kysely';
import type { Db, PosRef } from '../../db/directory.ts';
import { toPosRef } from '../../db/directory.ts';
import { toParticipant } from './participants.ts';
import { codeKey } from '../../db/convert.ts';
import type { ChangeRows } from './history.ts';
import { insertChangeRows } from './history.ts';
import { FLAG_COLUMNS, PROFILE_COLUMN_TYPES, profileColumns } from './profile-columns.ts';
import type { UniqueField } from '../fields.ts';
import { UNIQUE_FIELDS, uniqueColumn } from '../fields.ts';
import type { DbBool } from '../../db/schema.ts';
import type { Participant, ProfileChanges, ProfileField } from '../participant.ts';
import type { Store } from '../../db/store.ts';
import { recordStatements } from '../../db/recorder.ts';
import { prepareOnPostgres } from '../../db/prepared.ts';

/**
 * In one query: the participants with these ids, and every participant of these operators
 * holding one of these unique values (by field: phones, e-mail keys, ContragentIds).
 */
export async function readParticipants(
  db: Db,
  ids: readonly number[],
  operatorIds: readonly number[],
  keys: { readonly [F in UniqueField]?: readonly (string | number)[] },
): Promise<Participant[]> {
  const claimed = UNIQUE_FIELDS.filter((f) => (keys[f]?.length ?? 0) > 0);
  const claims = operatorIds.length > 0 && claimed.length > 0;
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
        for (const f of claimed) ors.push(eb.and([eb('operator_id', 'in', ops), eb(uniqueColumn(f) as 'phone', 'in', [...keys[f]!] as number[])]));
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
  return rows.map(toPosRef);
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
  changeCount: number;
  /** The fields those changes touched. */
  fields: readonly ProfileField[];
}

/** Writes a batch's changed participants and the rows that record the changes. */
export type BatchWriter = (db: Db, writes: readonly ParticipantWrite[], rows: ChangeRows, updatedAt: string) => Promise<void>;

/**
 * Each changed participant's final profile, and the version guard: a participant changed
 * since the batch read it (its version moved) gets version NULL, which violates NOT NULL
 * and aborts the statement (driverError's 'stale-write' in db/errors.ts). The columns and
 * their PostgreSQL types come from the field table (PROFILE_COLUMN_TYPES).
 */
/** `column = u.column` for each, then the version guard. */
const setFromU = (columns: readonly string[]) =>
  sql.raw([...columns.map((c) => `${c} = u.${c}`), 'version = case when p.version = u.read_version then p.version + u.bumps end'].join(', '));
const SET_PROFILE = setFromU(PROFILE_COLUMN_TYPES.map(([c]) => c));
const PROFILE_RECORDSET = `id integer, read_version integer, bumps integer, ${PROFILE_COLUMN_TYPES.map(([c, t]) => `${c} ${t}`).join(', ')}`;

function participantRows(writes: readonly ParticipantWrite[], bool: (v: DbBool | null | undefined) => unknown, columnsOf = (w: ParticipantWrite): ProfileChanges => w.participant): Record<string, unknown>[] {
  return writes.map((w) => {
    const c: Record<string, unknown> = profileColumns(columnsOf(w));
    const row: Record<string, unknown> = { ...c, id: w.participant.id, read_version: w.readVersion, bumps: w.changeCount };
    for (const b of FLAG_COLUMNS) if (b in c) row[b] = bool(c[b] as DbBool | null);
    return row;
  });
}

/** Only the fields a write changed: a column set, even to its old value, rewrites the pages of its indexes. */
const changedFields = (w: ParticipantWrite): ProfileChanges => Object.fromEntries(w.fields.map((f) => [f, w.participant[f]]));

/**
 * SQLite's batch write, committed on its own: one UPDATE per set of changed columns
 * (usually one for the batch; its rows as one JSON parameter, with writeBatchPostgres's version
 * guard), one INSERT per history table. A serving store takes all of it in one round trip to
 * its thread (transactAtOnce).
 */
function writeBatchSqlite(store: Store): BatchWriter {
  return async (db, writes, rows, updatedAt) => {
    const work = (tx: Db) => writeBatchStatements(tx, writes, rows, updatedAt);
    if (store.transactAtOnce) await store.transactAtOnce(await recordStatements(work));
    else await db.transaction().execute(work);
  };
}

const writeBatchStatements: BatchWriter = async (db, writes, rows, updatedAt) => {
  const groups = new Map<string, Record<string, unknown>[]>();
  for (const row of participantRows(writes, (v) => v, changedFields)) {
    const columns = Object.keys(row).filter((k) => k !== 'id' && k !== 'read_version' && k !== 'bumps').sort().join(',');
    const group = groups.get(columns);
    if (group) group.push(row);
    else groups.set(columns, [row]);
  }
  for (const [columns, group] of groups) {
    const names = columns ? columns.split(',') : [];
    const extract = sql.raw(['id', 'read_version', 'bumps', ...names].map((c) => `value ->> '${c}' as ${c}`).join(', '));
    await sql`update participants as p set ${setFromU(names)}, updated_at = ${updatedAt}
      from (select ${extract} from json_each(${JSON.stringify(group)})) as u where p.id = u.id`.execute(db);
  }
  await insertChangeRows(db, rows);
};

/** Rows as one jsonb parameter, read back by jsonb_to_recordset with these column types. */
const recordset = (rows: readonly object[], columns: string) => sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${sql.raw(columns)})`;

const CONTEXT_COLUMNS = 'participant_id, operator_id, changed_at, initiator_kind, manager_login, manager_token, pos_code, site_code, request_id, remote_address';
const CONTEXT_TYPES =
  'participant_id integer, operator_id integer, changed_at timestamptz, initiator_kind text, manager_login text, manager_token integer, pos_code text, site_code text, request_id text, remote_address text';

/**
 * Writes a batch in one statement, committed on its own: every changed participant's final
 * profile (UPDATE … FROM its rows), its history, ledger and change-event rows, and the
 * events' deliveries. Each table's rows travel as one jsonb parameter. The participants are
 * not locked between the batch's read and this write, so one changed meanwhile (its version
 * moved) sets version to NULL, which violates NOT NULL and aborts the whole statement: see
 * driverError's 'stale-write' (db/errors.ts).
 */
const writeBatchPostgres: BatchWriter = async (db, writes, rows, updatedAt) => {
  const participants = participantRows(writes, (v) => (v === null || v === undefined ? null : v === 1 || v === true));
  const histories = rows.histories.map((h, i) => ({ ...h, ord: i + 1 }));
  const consents = rows.consents.map((c) => ({ ...c.row, history_ord: c.historyIndex + 1 }));
  const events = rows.events.map((e, i) => ({ event_id: e.eventId, participant_id: e.participantId, operator_id: e.operatorId, payload: e.payload, created_at: e.createdAt, ord: i + 1 }));
  const statement = sql`
    with u as (
      select * from ${recordset(participants, PROFILE_RECORDSET)}
    ), upd as (
      update participants as p set ${SET_PROFILE}, updated_at = ${updatedAt}
      from u where p.id = u.id
    ), h as (
      insert into change_history (${sql.raw(CONTEXT_COLUMNS)}, fields)
      select ${sql.raw(CONTEXT_COLUMNS)}, fields from ${recordset(histories, `${CONTEXT_TYPES}, fields text, ord integer`)}
      order by ord
      returning id
    ), hn as (
      -- ids grow in insertion order: the n-th id is the n-th history row
      select id, row_number() over (order by id) as ord from h
    ), c as (
      insert into consent_ledger (history_id, ${sql.raw(CONTEXT_COLUMNS)}, consent, given, previous)
      select hn.id, ${sql.raw(CONTEXT_COLUMNS)}, consent, given, previous
      from ${recordset(consents, `${CONTEXT_TYPES}, consent text, given boolean, previous boolean, history_ord integer`)}
      join hn on hn.ord = x.history_ord
    ), e as (
      insert into change_events (event_id, participant_id, operator_id, payload, created_at)
      select event_id, participant_id, operator_id, payload, created_at
      from ${recordset(events, 'event_id text, participant_id integer, operator_id integer, payload text, created_at timestamptz, ord integer')}
      order by ord
      returning id, participant_id, operator_id
    )
    insert into webhook_deliveries (event_id, webhook_id, participant_id)
    select e.id, w.id, e.participant_id from e join webhooks w on w.operator_id = e.operator_id`.compile(db);
  // The same text every time (the rows travel as parameters), sent hundreds of times a second.
  prepareOnPostgres(statement.sql);
  await db.executeQuery(statement);
};

/** The store's batch write; it commits on its own. */
export function batchWriter(store: Store): BatchWriter {
  return store.engine === 'postgres' ? writeBatchPostgres : writeBatchSqlite(store);
}
