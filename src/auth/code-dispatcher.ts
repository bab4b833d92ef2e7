// Delivers confirmation-code messages to the webhooks subscribed to them (the operators'
// SMS gateways), from every serving process: claims are leased (SKIP LOCKED on
// PostgreSQL). A delivered message is deleted at once; one that keeps failing is retried
// (1 s, 2 s, 4 s, …) until its code expires, then deleted. Logs name the event and the
// webhook, never the body.
import { randomUUID } from 'node:crypto';
import type { Store } from '../db/store.ts';
import { postEvent } from '../webhooks/post.ts';
import { retryDelay } from '../webhooks/dispatcher.ts';
import { startPollLoop } from '../webhooks/poll-loop.ts';
import type { DispatcherLog } from '../webhooks/dispatcher.ts';
import type { CodeKeys } from './code-keys.ts';
import { unseal } from './code-keys.ts';
import { claimCodeMessages, deleteCodeMessage, retryCodeMessage } from './store/code-messages.ts';
import type { ClaimedMessage } from './store/code-messages.ts';

export interface CodeDispatcherOptions {
  pollMs: number;
  retryBaseMs: number;
  timeoutMs?: number;
  log?: DispatcherLog;
}

export interface CodeDispatcher {
  stop(): Promise<void>;
}

const RETRY_MAX_MS = 60_000;

export function startCodeDispatcher(store: Store, keys: CodeKeys, options: CodeDispatcherOptions): CodeDispatcher {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const log = options.log;
  const stopping = new AbortController();

  const deliver = async (m: ClaimedMessage, claimant: string): Promise<void> => {
    const body = unseal(keys, m.sealed);
    if (body === undefined) {
      // Sealed under another secret (LCM_JWT_SECRET changed): it can never be read.
      log?.warn({ event: m.eventId, webhook: m.webhookId }, 'confirmation code message unreadable; dropped');
      return deleteCodeMessage(store.db, m.id);
    }
    const result = await postEvent({ url: m.url, secret: m.secret }, { eventId: m.eventId, body }, timeoutMs, stopping.signal);
    if (result.ok) return deleteCodeMessage(store.db, m.id);
    const next = result.aborted ? new Date() : new Date(Date.now() + retryDelay(m.attempts + 1, options.retryBaseMs, RETRY_MAX_MS));
    if (!result.aborted) log?.warn({ event: m.eventId, webhook: m.webhookId, attempt: m.attempts + 1, error: result.error }, 'confirmation code delivery failed');
    await retryCodeMessage(store.db, m.id, claimant, next);
  };

  const runOnce = async (): Promise<number> => {
    const now = Date.now();
    const claimant = randomUUID();
    const claimed = await claimCodeMessages(store, { now: new Date(now), leaseUntil: new Date(now + timeoutMs + 30_000), claimant, limit: 50 });
    await Promise.all(claimed.map((m) => deliver(m, claimant)));
    return claimed.length;
  };

  return startPollLoop(stopping, options.pollMs, runOnce, (err) => log?.error({ err }, 'confirmation code dispatcher poll failed'));
}
