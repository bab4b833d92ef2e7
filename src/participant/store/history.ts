// The change history and the consent ledger: written in the transaction of each change,
// read newest first.
import { sql } from 'kysely';
import type { Insertable, RawBuilder, Selectable } from 'kysely';
import type { Db } from '../../db/directory.ts';
import type { ChangeHistoryTable, ConsentLedgerTable } from '../../db/history-schema.ts';
import { fromBool, toBool } from '../../db/convert.ts';
import { insertChangeEvents } from './outbox.ts';
import type { NewChangeEvent } from './outbox.ts';

/** The rows that record some changes: one history row and one event per change, a ledger row per changed consent. */
export interface ChangeRows {
  histories: Insertable<ChangeHistoryTable>[];
  /**
   * Each with how many of `histories` after its own belong to the same participant: its
   * history row is that participant's newest but `later`, as both writers find it.
   */
  consents: { later: number; row: Omit<ConsentInput, 'history_id'> }[];
  events: NewChangeEvent[];
}

export type HistoryRow = Selectable<ChangeHistoryTable>;

/**
 * Inserts the rows that record some changes: one statement per table, none of which needs
 * the answer of another, so that they can travel together (Store.transactAtOnce). A consent
 * finds its history row as the newest but `later` of its participant's: ids grow in
 * insertion order, and the writer holds the participant (its row is written in the same
 * transaction), so nobody else adds history for it meanwhile.
 */
export async function insertChangeRows(db: Db, rows: ChangeRows): Promise<void> {
  if (rows.histories.length > 0) await db.insertInto('change_history').values([...rows.histories]).execute();
  await insertConsents(
    db,
    rows.consents.map(({ later, row }) => ({
      ...row,
      history_id: sql<number>`(select id from change_history where participant_id = ${row.participant_id} order by id desc limit 1 offset ${later})`,
    })),
  );
  await insertChangeEvents(db, rows.events);
}

export type ConsentInput = Omit<Insertable<ConsentLedgerTable>, 'given' | 'previous' | 'history_id'> & {
  history_id: number | RawBuilder<number>;
  given: boolean;
  previous: boolean | null;
};

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
  /** Rows skipped from the newest (paging). */
  offset?: number;
}

/** A participant's history rows, newest first (ids follow commit order per participant: its row is locked). */
export async function listHistory(db: Db, participantId: number, q: HistoryQuery): Promise<HistoryRow[]> {
  let query = db.selectFrom('change_history').selectAll().where('participant_id', '=', participantId);
  if (q.from !== undefined) query = query.where('changed_at', '>=', q.from);
  if (q.before !== undefined) query = query.where('changed_at', '<', q.before);
  return query.orderBy('id', 'desc').limit(q.limit).offset(q.offset ?? 0).execute();
}

export type ConsentRow = Omit<Selectable<ConsentLedgerTable>, 'given' | 'previous'> & { given: boolean; previous: boolean | null };

/** A participant's consent ledger, newest first (read along consent_ledger_participant_idx); all of it, or one page. */
export async function listConsents(db: Db, participantId: number, page?: { limit: number; offset: number }): Promise<ConsentRow[]> {
  let query = db.selectFrom('consent_ledger').selectAll().where('participant_id', '=', participantId).orderBy('id', 'desc');
  if (page !== undefined) query = query.limit(page.limit).offset(page.offset);
  const rows = await query.execute();
  return rows.map((r) => ({ ...r, given: toBool(r.given) === true, previous: toBool(r.previous) }));
}
