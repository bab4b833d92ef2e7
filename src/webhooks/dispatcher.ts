// Delivers change events from the outbox to the operators' webhooks. Started by the server
// and stopped with it; all state lives in the database, so pending deliveries survive a
// restart and several server processes on one PostgreSQL share the work (see
// claimDeliveries). Delivery is at-least-once and in order per (webhook, participant).
import { randomUUID } from 'node:crypto';
import type { Store } from '../db/store.ts';
import type { ClaimedDelivery } from './store/deliveries.ts';
import { claimDeliveries, markAttemptFailed, markDelivered, releaseLease } from './store/deliveries.ts';
import { postEvent } from './post.ts';
import { startPollLoop } from './poll-loop.ts';

export interface DispatcherLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DispatcherOptions {
  /** Pause between polls when nothing was due. */
  pollMs: number;
  /** First retry delay; doubled per failed attempt. */
  retryBaseMs: number;
  /** Longest retry delay. */
  retryMaxMs?: number;
  /** A delivery that still fails this long after its event is marked failed. */
  giveUpAfterMs?: number;
  /** Per-request timeout. */
  timeoutMs?: number;
  batchSize?: number;
  log?: DispatcherLog;
}

export const RETRY_MAX_MS = 10 * 60_000;
export const GIVE_UP_AFTER_MS = 24 * 60 * 60_000;
export const TIMEOUT_MS = 10_000;

export interface Dispatcher {
  /** Stops polling, aborts requests in flight (their leases are released) and waits. */
  stop(): Promise<void>;
}

/** Delay before attempt n+1 after n failed attempts (n ≥ 1): base·2^(n-1), capped. */
export function retryDelay(failedAttempts: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(failedAttempts - 1, 30));
}

const SILENT: DispatcherLog = { warn: () => {}, error: () => {} };

export function startDispatcher(store: Store, options: DispatcherOptions): Dispatcher {
  const retryMaxMs = options.retryMaxMs ?? RETRY_MAX_MS;
  const giveUpAfterMs = options.giveUpAfterMs ?? GIVE_UP_AFTER_MS;
  const timeoutMs = options.timeoutMs ?? TIMEOUT_MS;
  const batchSize = options.batchSize ?? 50;
  const log = options.log ?? SILENT;
  const stopping = new AbortController();

  const deliver = async (d: ClaimedDelivery, claimant: string): Promise<void> => {
    const result = await postEvent({ url: d.url, secret: d.secret }, { eventId: d.eventUuid, body: d.payload }, timeoutMs, stopping.signal);
    if (result.ok) return markDelivered(store.db, d, new Date().toISOString());
    // Cut short by shutdown: not the receiver's fault; the next start retries at once.
    if (result.aborted) return releaseLease(store.db, d, claimant);
    const failed = d.attempts + 1;
    const now = Date.now();
    const giveUp = now - Date.parse(d.eventCreatedAt) >= giveUpAfterMs;
    const next = giveUp ? null : new Date(now + retryDelay(failed, options.retryBaseMs, retryMaxMs)).toISOString();
    log.warn({ event: d.eventUuid, webhook: d.webhookId, attempt: failed, error: result.error, gaveUp: giveUp }, 'webhook delivery failed');
    await markAttemptFailed(store.db, d, claimant, result.error, next);
  };

  const runOnce = async (): Promise<number> => {
    const now = Date.now();
    const claimant = randomUUID();
    const claimed = await claimDeliveries(store, {
      now: new Date(now).toISOString(),
      // Long enough for the request and its bookkeeping; a dead process's lease lapses.
      leaseUntil: new Date(now + timeoutMs + 30_000).toISOString(),
      claimant,
      limit: batchSize,
    });
    // Each claimed row heads a different (webhook, participant) queue: safe in parallel.
    await Promise.all(claimed.map((d) => deliver(d, claimant)));
    return claimed.length;
  };

  return startPollLoop(stopping, options.pollMs, runOnce, (err) => log.error({ err }, 'webhook dispatcher poll failed'));
}
