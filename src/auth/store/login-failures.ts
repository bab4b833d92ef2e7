// Failed sign-ins per throttle key, kept in the database so that every server process
// sharing it sees the same count. Each failure is one atomic upsert.
import { sql } from 'kysely';
import type { Db } from '../../db/directory.ts';

export interface FailurePolicy {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
}

/** When the key is locked at `now`, the end of the lock; else undefined. */
export async function lockedUntil(db: Db, key: string, now: Date): Promise<Date | undefined> {
  const row = await db.selectFrom('login_failures').select('locked_until').where('key', '=', key).executeTakeFirst();
  if (!row?.locked_until) return undefined;
  const until = new Date(row.locked_until);
  return until > now ? until : undefined;
}

/**
 * Counts one failure in the current window (a stale window starts over) and locks the
 * key once the count reaches the limit; later failures in the same window lock again.
 */
export async function recordFailure(db: Db, key: string, policy: FailurePolicy, now: Date): Promise<void> {
  const nowIso = now.toISOString();
  const staleBefore = new Date(now.getTime() - policy.windowMs).toISOString();
  const lockEnd = new Date(now.getTime() + policy.lockMs).toISOString();
  const count = sql<number>`case when login_failures.window_start < ${staleBefore} then 1 else login_failures.failures + 1 end`;
  await db
    .insertInto('login_failures')
    .values({ key, failures: 1, window_start: nowIso, locked_until: policy.maxFailures <= 1 ? lockEnd : null })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: count,
        window_start: sql<string>`case when login_failures.window_start < ${staleBefore} then ${nowIso} else login_failures.window_start end`,
        locked_until: sql<string | null>`case when ${count} >= ${policy.maxFailures} then ${lockEnd} else login_failures.locked_until end`,
      }),
    )
    .execute();
}

/**
 * Counts a sign-in attempt as a failure BEFORE its password is checked, in one atomic
 * upsert that applies only while the key is not locked, so that parallel guesses cannot
 * all slip past the lock test: the attempt may go ahead only when it was counted (the one
 * that reaches the limit sets the lock and still goes ahead). Returns the end of the lock
 * that refuses it, or undefined when it may go ahead. A successful check clears the count.
 */
export async function recordAttempt(db: Db, key: string, policy: FailurePolicy, now: Date): Promise<Date | undefined> {
  const nowIso = now.toISOString();
  const staleBefore = new Date(now.getTime() - policy.windowMs).toISOString();
  const lockEnd = new Date(now.getTime() + policy.lockMs).toISOString();
  const count = sql<number>`case when login_failures.window_start < ${staleBefore} then 1 else login_failures.failures + 1 end`;
  const counted = await db
    .insertInto('login_failures')
    .values({ key, failures: 1, window_start: nowIso, locked_until: policy.maxFailures <= 1 ? lockEnd : null })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({
          failures: count,
          window_start: sql<string>`case when login_failures.window_start < ${staleBefore} then ${nowIso} else login_failures.window_start end`,
          locked_until: sql<string | null>`case when ${count} >= ${policy.maxFailures} then ${lockEnd} else login_failures.locked_until end`,
        })
        .where(sql<boolean>`login_failures.locked_until is null or login_failures.locked_until <= ${nowIso}`),
    )
    .returning('key')
    .executeTakeFirst();
  if (counted) return undefined;
  // Locked by a concurrent attempt between the caller's check and this one.
  return (await lockedUntil(db, key, now)) ?? new Date(now.getTime() + 1000);
}

export async function clearFailures(db: Db, key: string): Promise<void> {
  await db.deleteFrom('login_failures').where('key', '=', key).execute();
}
