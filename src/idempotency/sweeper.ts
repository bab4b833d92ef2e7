// Removes expired idempotency keys in the background, from every serving process (the
// deletes are idempotent, so several processes sweeping at once only share the work).
// Expiry itself does not wait for the sweep: an expired key is ignored (and replaced) when
// it is read, so the sweep only keeps the table small.
import type { Store } from '../db/store.ts';
import { nowIso } from '../db/convert.ts';
import { sweepExpiredKeys } from './store.ts';

/** Keys deleted per statement, and statements per sweep: bounded work, however many expired at once. */
export const SWEEP_BATCH = 1000;
const SWEEP_STATEMENTS = 50;
/** Pause between sweeps. */
export const SWEEP_INTERVAL_MS = 10 * 60_000;

/**
 * One sweep at `now`: deletes expired keys, SWEEP_BATCH per transaction (on SQLite in the
 * group commit, so it never competes with the requests for the one writer), until fewer
 * are left or SWEEP_STATEMENTS were run. Returns how many were deleted.
 */
export async function sweepKeys(store: Store, now: string = nowIso(), batch = SWEEP_BATCH): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < SWEEP_STATEMENTS; i++) {
    const n = await store.transact((tx) => sweepExpiredKeys(tx, now, batch));
    deleted += n;
    if (n < batch) break;
  }
  return deleted;
}

export interface KeySweeper {
  stop(): Promise<void>;
}

export function startKeySweeper(store: Store, options: { intervalMs?: number; log: { warn(obj: object, msg: string): void } }): KeySweeper {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = sweepKeys(store).catch((err: unknown) => options.log.warn({ error: (err as Error).message }, 'idempotency key sweep failed'));
  };
  const timer = setInterval(tick, options.intervalMs ?? SWEEP_INTERVAL_MS);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
