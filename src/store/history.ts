// The change history and the consent ledger: written in the transaction of each change,
// read newest first.
import type { Insertable, Selectable } from 'kysely';
import type { Db } from './directory.ts';
import type { ChangeHistoryTable, ConsentLedgerTable } from './history-schema.ts';
import { fromBool, toBool } from './convert.ts';
import type { ChangeRows } from '../domain/history.ts';
import { insertChangeEvents } from './outbox.ts';

export type HistoryRow = Selectable<ChangeHistoryTable>;

/**
 * Inserts history rows in one statement; their ids come back in the order of `rows`
 * (both engines return the rows of a multi-row VALUES in the order they were inserted).
 */
export async function insertHistories(db: Db, rows: readonly Insertable<ChangeHistoryTable>[]): Promise<number[]> {
  if (rows.length === 0) return [];
  const out = await db.insertInto('change_history').values([...rows]).returning('id').execute();
  return out.map((r) => r.id);
}

/** Inserts the rows that record some changes: one statement per table. */
export async function insertChangeRows(db: Db, rows: ChangeRows): Promise<void> {
  const historyIds = await insertHistories(db, rows.histories);
  await insertConsents(
    db,
    rows.consents.map(({ historyIndex, row }) => ({ ...row, history_id: historyIds[historyIndex]! })),
  );
  await insertChangeEvents(db, rows.events);
}

export type ConsentInput = Omit<Insertable<ConsentLedgerTable>, 'given' | 'previous'> & { given: boolean; previous: boolean | null };

export async function insertConsents(db: Db, rows: readonly ConsentInput[]): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('consent_ledger')
    .values(rows.map((r) => ({ ...r, given: fromBool(r.given) ?? 0, previous: fromBool(r.previous) })))
    .execute();
}

export interface HistoryQuery {
  /** Inclusive lower bound, ISO timestamp. */
  from?: string;
  /** Exclusive upper bound, ISO timestamp. */
  before?: string;
  limit: number;
}

/** A participant's history rows, newest first (ids follow commit order per participant: its row is locked). */
export async function listHistory(db: Db, participantId: number, q: HistoryQuery): Promise<HistoryRow[]> {
  let query = db.selectFrom('change_history').selectAll().where('participant_id', '=', participantId);
  if (q.from !== undefined) query = query.where('changed_at', '>=', q.from);
  if (q.before !== undefined) query = query.where('changed_at', '<', q.before);
  return query.orderBy('id', 'desc').limit(q.limit).execute();
}

export type ConsentRow = Omit<Selectable<ConsentLedgerTable>, 'given' | 'previous'> & { given: boolean; previous: boolean | null };

export async function listConsents(db: Db, participantId: number): Promise<ConsentRow[]> {
  const rows = await db.selectFrom('consent_ledger').selectAll().where('participant_id', '=', participantId).orderBy('id', 'desc').execute();
  return rows.map((r) => ({ ...r, given: toBool(r.given) === true, previous: toBool(r.previous) }));
}
