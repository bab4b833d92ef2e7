// The reads and the writes of a ClientUpdate batch, whatever its size: one query reads the
// participants (plus one per directory table its requests name). On PostgreSQL one
// statement writes and commits everything, so that a batch costs two round trips; on
// SQLite one transaction of its own: one UPDATE per set of changed columns and the INSERTs
// of each history table, sent to the store's SQLite thread at once. The statement texts do
// not vary with the batch's content (db/fixed-statements.ts): built once, kept prepared.
import { sql } from 'kysely';
import type { CompiledQuery } from 'kysely';
import type { Db, PosRef } from '../../db/directory.ts';
import { codeKey, fromBool, toBool } from '../../db/convert.ts';
import type { ChangeRows } from './history.ts';
import type { NewChangeEvent } from './outbox.ts';
import { FLAG_COLUMNS, PARTICIPANT_COLUMNS, PROFILE_COLUMN_TYPES, columnsOfSet, fieldSet, participantFromValues, profileColumns, pushColumnValues } from './profile-columns.ts';
import type { FieldSpec, UniqueField } from '../fields.ts';
import { FIELDS, KINDS, UNIQUE_FIELDS, uniqueColumn } from '../fields.ts';
import type { DbBool } from '../../db/schema.ts';
import type { Participant, ProfileField } from '../participant.ts';
import type { Engine, Store } from '../../db/store.ts';
import type { ChangeContextColumns, ChangeEventsTable, ChangeHistoryTable, ConsentLedgerTable } from '../../db/history-schema.ts';
import { CHANGE_EVENT, subscribedPattern } from '../../db/webhook-events.ts';
import { fixedRead, readRows, repeated, rowsStatements, statement } from '../../db/fixed-statements.ts';
import { prepareOnPostgres } from '../../db/prepared.ts';
import type { KeyRow } from '../../idempotency/store.ts';
import { READ_STORED_KEYS, insertKeyRowsStatements, keyRowsCte } from '../../idempotency/store.ts';

/** One condition per index (the primary key, each per-operator unique key), so that both engines search the indexes. */
const READ_PARTICIPANTS = fixedRead(
  PARTICIPANT_COLUMNS,
  ({ list }) =>
    `participants where ${list('id', 'integer')}` +
    UNIQUE_FIELDS.map((f) => ` or (${list('operator_id', 'integer')} and ${list(uniqueColumn(f), uniqueListType(f))})`).join(''),
);
const READ_OPERATORS = fixedRead(['id'], ({ list }) => `operators where ${list('id', 'integer')}`);
const READ_POSES = fixedRead(['id', 'operator_id', 'partner_id', 'code'], ({ list }) => `poses where ${list('operator_id', 'integer')} and ${list('code_key', 'text')}`);
const READ_SITES = fixedRead(['operator_id', 'code'], ({ list }) => `sites where ${list('operator_id', 'integer')} and ${list('code_key', 'text')} and active = true`);
/** The batch's reads, for their plans' test. */
export const BATCH_READS = { participants: READ_PARTICIPANTS, operators: READ_OPERATORS, poses: READ_POSES, sites: READ_SITES, keys: READ_STORED_KEYS };
/** PostgreSQL only (the one-by-one fallback): its text never varies either. */
const LOCK_PARTICIPANTS = 'select id from participants where id = any($1::integer[]) for update';

/** The PostgreSQL type of a unique field's compared values (its key column's, or its own). */
function uniqueListType(f: UniqueField): string {
  const spec: FieldSpec = FIELDS[f];
  return spec.unique?.key ? 'text' : KINDS[spec.kind].pg;
}

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
  if (lock && ids.length > 0) await db.executeQuery(statement(LOCK_PARTICIPANTS, [ids]));
  const claims = operatorIds.length > 0 && UNIQUE_FIELDS.some((f) => (keys[f]?.length ?? 0) > 0);
  if (ids.length === 0 && !claims) return [];
  const lists: (readonly unknown[])[] = [ids];
  for (const f of UNIQUE_FIELDS) lists.push(claims ? operatorIds : [], claims ? (keys[f] ?? []) : []);
  const rows = await readRows(db, READ_PARTICIPANTS, lists);
  return rows.map(participantFromValues);
}

export async function existingOperators(db: Db, ids: readonly number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await readRows(db, READ_OPERATORS, [ids]);
  return new Set(rows.map(([id]) => id as number));
}

/** The points of sale of these operators with any of these codes. */
export async function posesByCode(db: Db, operatorIds: readonly number[], codes: readonly string[]): Promise<PosRef[]> {
  if (operatorIds.length === 0 || codes.length === 0) return [];
  const rows = await readRows(db, READ_POSES, [operatorIds, codes.map(codeKey)]);
  return rows.map(([id, operatorId, partnerId, code]) => ({ id, operatorId, partnerId, code }) as PosRef);
}

/** The active widgets of these operators with any of these codes. */
export async function activeSitesByCode(db: Db, operatorIds: readonly number[], codes: readonly string[]): Promise<{ operatorId: number; code: string }[]> {
  if (operatorIds.length === 0 || codes.length === 0) return [];
  const rows = await readRows(db, READ_SITES, [operatorIds, codes.map(codeKey)]);
  return rows.map(([operatorId, code]) => ({ operatorId: operatorId as number, code: code as string }));
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
const VERSION_GUARD = 'version = case when p.version = u.read_version then p.version + u.bumps end';
/** `column = u.column` for each, then the version guard. */
const setFromU = (columns: readonly string[]) => [...columns.map((c) => `${c} = u.${c}`), VERSION_GUARD].join(', ');
const SET_PROFILE = sql.raw(setFromU(PROFILE_COLUMN_TYPES.map(([c]) => c)));
const PROFILE_RECORDSET = `id integer, read_version integer, bumps integer, ${PROFILE_COLUMN_TYPES.map(([c, t]) => `${c} ${t}`).join(', ')}`;

/** PostgreSQL's rows of the changed participants: every profile column, booleans as booleans. */
function participantRows(writes: readonly ParticipantWrite[]): Record<string, unknown>[] {
  return writes.map((w) => {
    const c: Record<string, unknown> = profileColumns(w.participant);
    const row: Record<string, unknown> = { ...c, id: w.participant.id, read_version: w.readVersion, bumps: w.changeCount };
    for (const b of FLAG_COLUMNS) if (b in c) row[b] = toBool(c[b] as DbBool | null);
    return row;
  });
}

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
const HISTORY_NAMES = Object.keys(HISTORY_TYPES) as (keyof typeof HISTORY_TYPES)[];
const CONSENT_NAMES = Object.keys(CONSENT_TYPES) as (keyof typeof CONSENT_TYPES)[];
const EVENT_NAMES = Object.keys(EVENT_TYPES) as (keyof typeof EVENT_TYPES)[];
/** A change event as its table's row. */
const eventRow = (e: NewChangeEvent): { [C in keyof typeof EVENT_TYPES]: string | number } => ({
  event_id: e.eventId,
  participant_id: e.participantId,
  operator_id: e.operatorId,
  payload: e.payload,
  created_at: e.createdAt,
});
const HISTORY_COLUMNS = sql.raw(columnList(HISTORY_TYPES));
const HISTORY_RECORDSET = `${typedList(HISTORY_TYPES)}, ord integer`;
const CONSENT_COLUMNS = sql.raw(columnList(CONSENT_TYPES));
const CONSENT_VALUES = sql.raw(Object.keys(CONSENT_TYPES).map((c) => `x.${c}`).join(', '));
const CONSENT_RECORDSET = `${typedList(CONSENT_TYPES)}, later integer, ord integer`;
const EVENT_COLUMNS = sql.raw(columnList(EVENT_TYPES));
const EVENT_RECORDSET = `${typedList(EVENT_TYPES)}, ord integer`;

// ---- SQLite's writer: fixed statement texts, prepared once by the connection's thread ----

/**
 * The UPDATE of the participants whose changes touched this set of fields (fieldSet): only
 * their columns, because a column set, even to its old value, rewrites the pages of its
 * indexes. Each row is a JSON array [id, read version, bumps, ...the set's column values in
 * columnsOfSet's order]; updated_at is the first parameter, the rows the second. Kept per
 * set: a batch mostly has one or two, and the texts stay few.
 */
export function updateText(set: number): string {
  let text = UPDATE_TEXTS.get(set);
  if (text === undefined) {
    const columns = columnsOfSet(set);
    const extract = ['id', 'read_version', 'bumps', ...columns].map((c, i) => `value ->> ${i} as ${c}`).join(', ');
    text = `update participants as p set ${setFromU(columns)}, updated_at = ? from (select ${extract} from json_each(?)) as u where p.id = u.id`;
    // Bounded, whatever sets arrive: the oldest text goes (it is rebuilt the same if needed again).
    if (UPDATE_TEXTS.size >= MAX_UPDATE_TEXTS) UPDATE_TEXTS.delete(UPDATE_TEXTS.keys().next().value!);
    UPDATE_TEXTS.set(set, text);
  }
  return text;
}
const UPDATE_TEXTS = new Map<number, string>();
const MAX_UPDATE_TEXTS = 64;

/** The history rows, their values in HISTORY_TYPES's order. */
const insertHistories = rowsStatements<ChangeRows['histories'][number]>(
  (n) => `insert into change_history (${columnList(HISTORY_TYPES)}) values ${repeated(`(${repeated('?', HISTORY_NAMES.length)})`, n)}`,
  (p, h) => {
    for (const c of HISTORY_NAMES) p.push(h[c]);
  },
);
/**
 * The ledger rows, their values in CONSENT_TYPES's order. A ledger row's history row is the
 * newest but `later` of its participant's: ids grow in insertion order, and the writer holds
 * the participant (its row is written in the same transaction), so nobody else adds
 * history for it meanwhile.
 */
const insertConsents = rowsStatements<ChangeRows['consents'][number]>(
  (n) =>
    `insert into consent_ledger (history_id, ${columnList(CONSENT_TYPES)}) values ${repeated(
      `((select id from change_history where participant_id = ? order by id desc limit 1 offset ?), ${repeated('?', CONSENT_NAMES.length)})`,
      n,
    )}`,
  (p, { later, row }) => {
    p.push(row.participant_id, later);
    for (const c of CONSENT_NAMES) p.push(CONSENT_TYPES[c] === 'boolean' ? fromBool(row[c] as boolean | null) : row[c]);
  },
);
/** The change events, their values in EVENT_TYPES's order. */
const insertEvents = rowsStatements<NewChangeEvent>(
  (n) => `insert into change_events (${columnList(EVENT_TYPES)}) values ${repeated(`(${repeated('?', EVENT_NAMES.length)})`, n)}`,
  (p, e) => {
    const row = eventRow(e);
    for (const c of EVENT_NAMES) p.push(row[c]);
  },
);
/**
 * The events' deliveries, as insertChangeEvents (outbox.ts) fans them out: found by their
 * event ids, to the operator's webhooks that take change events.
 */
const insertDeliveries = rowsStatements<NewChangeEvent>(
  (n) => `insert into webhook_deliveries (event_id, webhook_id, participant_id)
    select e.id, w.id, e.participant_id from change_events e join webhooks w on w.operator_id = e.operator_id
    where (w.events is null or w.events like '${subscribedPattern(CHANGE_EVENT).replaceAll("'", "''")}') and e.event_id in (${repeated('?', n)})
    order by e.id`,
  (p, e) => p.push(e.eventId),
);

/**
 * SQLite's statements of a write: one UPDATE per set of changed fields (usually one for the
 * batch; with writeBatchPostgres's version guard), the history, ledger and event rows, the
 * deliveries, the Idempotency-Key rows, each from texts that do not vary with the batch. None
 * needs the answer of another, so that a serving store takes them all in one round trip to
 * its thread (commitBatch, transactAtOnce).
 */
export function writeBatchStatements(writes: readonly ParticipantWrite[], rows: ChangeRows, updatedAt: string, keys: readonly KeyRow[]): CompiledQuery[] {
  const out: CompiledQuery[] = [];
  const groups = new Map<number, unknown[][]>();
  for (const w of writes) {
    const set = fieldSet(w.fields);
    const row: unknown[] = [w.participant.id, w.readVersion, w.changeCount];
    pushColumnValues(w.participant, set, row);
    const group = groups.get(set);
    if (group) group.push(row);
    else groups.set(set, [row]);
  }
  for (const [set, group] of groups) out.push(statement(updateText(set), [updatedAt, JSON.stringify(group)]));
  out.push(...insertHistories(rows.histories), ...insertConsents(rows.consents), ...insertEvents(rows.events), ...insertDeliveries(rows.events));
  // Idempotency-Key rows: one more INSERT, none without keys (src/idempotency/store.ts).
  out.push(...insertKeyRowsStatements(keys));
  return out;
}

/** SQLite's writer inside the caller's transaction (the fallback, the import), or on its own. */
const writeBatchSqlite: ChangeWriter = async (db, writes, rows, updatedAt, keys) => {
  for (const s of writeBatchStatements(writes, rows, updatedAt, keys)) await db.executeQuery(s);
};

/**
 * PostgreSQL's writer: one statement writes every changed participant's final profile
 * (UPDATE … FROM its rows), its history, ledger and change-event rows, and the events'
 * deliveries; each table's rows travel as one jsonb parameter. Alone (a batch), the
 * participants are not locked between the batch's read and this write, so one changed
 * meanwhile (its version moved) sets version to NULL, which violates NOT NULL and aborts
 * the whole statement: see driverError's 'stale-write' (db/errors.ts).
 *
 * A ledger row finds its history row as SQLite's writer does (insertConsents): the newest but
 * `later` of its participant's history rows. There the rows are read back from the table
 * (a later statement of the same transaction); here, within one statement, from what the
 * history insert returned (a sibling CTE cannot see the rows another one inserts).
 */
const writeBatchPostgres: ChangeWriter = async (db, writes, rows, updatedAt, keys) => {
  const participants = participantRows(writes);
  const histories = rows.histories.map((h, i) => ({ ...h, ord: i + 1 }));
  const consents = rows.consents.map((c, i) => ({ ...c.row, later: c.later, ord: i + 1 }));
  const events = rows.events.map((e, i) => ({ ...eventRow(e), ord: i + 1 }));
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
    // Looked up at each write, not once: the store's own, or a test's stand-in put there later.
    if (store.transactAtOnce) await store.transactAtOnce(writeBatchStatements(writes, rows, updatedAt, keys));
    else await store.db.transaction().execute((tx) => writeBatchSqlite(tx, writes, rows, updatedAt, keys));
  };
}
