// Rate-limit counters kept in the database, so that every server process on one
// PostgreSQL counts against the same numbers. Each hit is one atomic upsert: a window
// starts with its first hit and lasts `windowMs`; a stale window starts over.
import { sql } from 'kysely';
import type { Db } from '../../db/directory.ts';

export interface Hit {
  /** Hits in the current window, this one included. */
  hits: number;
  windowStart: Date;
}

export async function countHit(db: Db, key: string, windowMs: number, now: Date): Promise<Hit> {
  const nowIso = now.toISOString();
  const staleBefore = new Date(now.getTime() - windowMs).toISOString();
  const stale = sql<boolean>`rate_counters.window_start <= ${staleBefore}`;
  const row = await db
    .insertInto('rate_counters')
    .values({ key, hits: 1, window_start: nowIso, expires_at: new Date(now.getTime() + windowMs).toISOString() })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        hits: sql<number>`case when ${stale} then 1 else rate_counters.hits + 1 end`,
        window_start: sql<string>`case when ${stale} then ${nowIso} else rate_counters.window_start end`,
        expires_at: sql<string>`case when ${stale} then excluded.expires_at else rate_counters.expires_at end`,
      }),
    )
    .returning(['hits', 'window_start'])
    .executeTakeFirstOrThrow();
  return { hits: Number(row.hits), windowStart: new Date(row.window_start) };
}

/** Removes counters whose window has passed. */
export async function deleteStaleCounters(db: Db, now: Date): Promise<void> {
  await db.deleteFrom('rate_counters').where('expires_at', '<=', now.toISOString()).execute();
}
