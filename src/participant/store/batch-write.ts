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
import type { Engine, Store } from '../../db/store.ts';
import type { ChangeContextColumns, ChangeEventsTable, ChangeHistoryTable, ConsentLedgerTable } from '../../db/history-schema.ts';
import { CHANGE_EVENT, subscribedPattern } from '../../db/webhook-events.ts';
import { recordStatements } from '../../db/recorder.ts';
import { prepareOnPostgres } from '../../db/prepared.ts';
import type { KeyRow } from '../../idempotency/store.ts';
import { insertKeyRows, keyRowsCte } from '../../idempotency/store.ts';

/**
 * In one query: the participants with these ids, and every participant of these operators
 * holding one of these unique values (by field: phones, e-mail keys, ContragentIds).
 * `lock` (PostgreSQL only): lock the participants with these ids first.
 */
export async function readParticipants(
  db: Db,
  ids: readonly number[],
  operatorIds: readonly number[],
  keys: { readonly [F in UniqueField]?: readonly (string | number)[] },
  lock = false,
): Promise<Participant[]> {
  // The one-by-one fallback (PostgreSQL): its participant locked until the transaction ends,
  // before it is read, so that the read below sees the last committed change and no other
  // writer's can slip in before this one's. Its own statement: FOR UPDATE on the read itself
  // would also lock the holders of the values it claims (two fallbacks claiming each other's
  // values would deadlock).
  if (lock && ids.length > 0) await db.selectFrom('participants').select('id').where('id', 'in', [...ids]).forUpdate().execute();
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

/**
/**
 * Writes changed participants, the rows that record the changes and the Idempotency-Key rows
 * of their answers (`keys`; there may be keys and no participant write), inside the caller's
 * transaction if `db` is one (the one-by-one fallback, the import), or on its own.
 */
export type ChangeWriter = (db: Db, writes: readonly ParticipantWrite[], rows: ChangeRows, updatedAt: string, keys: readonly KeyRow[]) => Promise<void>;

/** Writes a ClientUpdate batch (and its Idempotency-Key rows) and commits it. */
export type BatchWriter = (writes: readonly ParticipantWrite[], rows: ChangeRows, updatedAt: string, keys: readonly KeyRow[]) => Promise<void>;

/**
 * Each changed participant's final profile, and the version guard: a participant changed
 * since the batch read it (its version moved) gets version NULL, which violates NOT NULL
 * and aborts the statement (driverError's 'stale-write' in db/errors.ts). The columns and
 * their PostgreSQL types come from the field table (PROFILE_COLUMN_TYPES), once at load.
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
 * SQLite's writer: one UPDATE per set of changed columns (usually one for the batch; its
 * rows as one JSON parameter, with writeBatchPostgres's version guard), one INSERT per
 * history table (insertChangeRows). None needs the answer of another, so that a serving
 * store takes them all in one round trip to its thread (commitBatch, transactAtOnce).
 */
const writeBatchSqlite: ChangeWriter = async (db, writes, rows, updatedAt, keys) => {
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
  // Idempotency-Key rows: one more INSERT in the script, none without keys (src/idempotency/store.ts).
  await insertKeyRows(db, keys);
};

/** Rows as one jsonb parameter, read back by jsonb_to_recordset with these column types. */
const recordset = (rows: readonly object[], columns: string) => sql`jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${sql.raw(columns)})`;

/** A history or ledger row's context columns with their PostgreSQL types; checked against the schema. */
const CONTEXT_TYPES: { readonly [C in keyof ChangeContextColumns | 'participant_id' | 'operator_id']: string } = {
  participant_id: 'integer',
  operator_id: 'integer',
  changed_at: 'timestamptz',
  initiator_kind: 'text',
  manager_login: 'text',
  manager_token: 'integer',
  pos_code: 'text',
  site_code: 'text',
  request_id: 'text',
  remote_address: 'text',
};
const columnList = (types: Readonly<Record<string, string>>) => Object.keys(types).join(', ');
const typedList = (types: Readonly<Record<string, string>>) => Object.entries(types).map(([c, t]) => `${c} ${t}`).join(', ');
const HISTORY_TYPES = { ...CONTEXT_TYPES, fields: 'text' } satisfies { [C in keyof Omit<ChangeHistoryTable, 'id'>]: string };
const CONSENT_TYPES = { ...CONTEXT_TYPES, consent: 'text', given: 'boolean', previous: 'boolean' } satisfies { [C in keyof Omit<ConsentLedgerTable, 'id' | 'history_id'>]: string };
const EVENT_TYPES = { event_id: 'text', participant_id: 'integer', operator_id: 'integer', payload: 'text', created_at: 'timestamptz' } satisfies {
  [C in keyof Omit<ChangeEventsTable, 'id'>]: string;
};
const HISTORY_COLUMNS = sql.raw(columnList(HISTORY_TYPES));
const HISTORY_RECORDSET = `${typedList(HISTORY_TYPES)}, ord integer`;
const CONSENT_COLUMNS = sql.raw(columnList(CONSENT_TYPES));
const CONSENT_VALUES = sql.raw(Object.keys(CONSENT_TYPES).map((c) => `x.${c}`).join(', '));
const CONSENT_RECORDSET = `${typedList(CONSENT_TYPES)}, later integer, ord integer`;
const EVENT_COLUMNS = sql.raw(columnList(EVENT_TYPES));
const EVENT_RECORDSET = `${typedList(EVENT_TYPES)}, ord integer`;

/**
 * PostgreSQL's writer: one statement writes every changed participant's final profile
 * (UPDATE … FROM its rows), its history, ledger and change-event rows, and the events'
 * deliveries; each table's rows travel as one jsonb parameter. Alone (a batch), the
 * participants are not locked between the batch's read and this write, so one changed
 * meanwhile (its version moved) sets version to NULL, which violates NOT NULL and aborts
 * the whole statement: see driverError's 'stale-write' (db/errors.ts).
 *
 * A ledger row finds its history row as insertChangeRows does on SQLite: the newest but
 * `later` of its participant's history rows. There the rows are read back from the table
 * (a later statement of the same transaction); here, within one statement, from what the
 * history insert returned (a sibling CTE cannot see the rows another one inserts).
 */
const writeBatchPostgres: ChangeWriter = async (db, writes, rows, updatedAt, keys) => {
  const participants = participantRows(writes, (v) => (v === null || v === undefined ? null : v === 1 || v === true));
  const histories = rows.histories.map((h, i) => ({ ...h, ord: i + 1 }));
  const consents = rows.consents.map((c, i) => ({ ...c.row, later: c.later, ord: i + 1 }));
  const events = rows.events.map((e, i) => ({ event_id: e.eventId, participant_id: e.participantId, operator_id: e.operatorId, payload: e.payload, created_at: e.createdAt, ord: i + 1 }));
  const statement = sql`
    with u as (
      select * from ${recordset(participants, PROFILE_RECORDSET)}
    ), upd as (
      update participants as p set ${SET_PROFILE}, updated_at = ${updatedAt}
      from u where p.id = u.id
    ), h as (
      insert into change_history (${HISTORY_COLUMNS})
      select ${HISTORY_COLUMNS} from ${recordset(histories, HISTORY_RECORDSET)}
      order by ord
      returning id, participant_id
    ), hn as (
      -- ids grow in insertion order: 0 is a participant's newest row of this statement
      select id, participant_id, row_number() over (partition by participant_id order by id desc) - 1 as later from h
    ), c as (
      insert into consent_ledger (history_id, ${CONSENT_COLUMNS})
      select hn.id, ${CONSENT_VALUES}
      from ${recordset(consents, CONSENT_RECORDSET)}
      join hn on hn.participant_id = x.participant_id and hn.later = x.later
      order by x.ord
    ), e as (
      insert into change_events (${EVENT_COLUMNS})
      select ${EVENT_COLUMNS}
      from ${recordset(events, EVENT_RECORDSET)}
      order by ord
      returning id, participant_id, operator_id
    )${
      // Idempotency-Key rows: one more arm, none without keys (src/idempotency/store.ts).
      keyRowsCte(keys)
    }
    insert into webhook_deliveries (event_id, webhook_id, participant_id)
    select e.id, w.id, e.participant_id from e join webhooks w on w.operator_id = e.operator_id
      -- only the webhooks that take change events (events null: no list, all of them), as insertChangeEvents (outbox.ts)
      and (w.events is null or w.events like ${sql.lit(subscribedPattern(CHANGE_EVENT))})`.compile(db);
  // The same text every time (the rows travel as parameters), sent hundreds of times a second.
  prepareOnPostgres(statement.sql);
  await db.executeQuery(statement);
};

/** The engine's writer, for use inside a transaction or alone. */
export function changeWriter(engine: Engine): ChangeWriter {
  return engine === 'postgres' ? writeBatchPostgres : writeBatchSqlite;
}

/**
 * The ClientUpdate batch's write, committed on its own: PostgreSQL's one statement, or
 * SQLite's statements as one transaction (a serving store's in one round trip to its thread).
 */
export function commitBatch(store: Store): BatchWriter {
  if (store.engine === 'postgres') return (writes, rows, updatedAt, keys) => writeBatchPostgres(store.db, writes, rows, updatedAt, keys);
  return async (writes, rows, updatedAt, keys) => {
    const work = (tx: Db) => writeBatchSqlite(tx, writes, rows, updatedAt, keys);
    if (store.transactAtOnce) await store.transactAtOnce(await recordStatements(work));
    else await store.db.transaction().execute(work);
  };
}
