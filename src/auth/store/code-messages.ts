// The outbox of confirmation-code messages: one sealed row per subscribed webhook, deleted
// once delivered or expired (the code is useless after its expiry), so the sealed code
// lives in the database for at most the code's lifetime.
import type { Db } from '../../db/directory.ts';
import type { Store } from '../../db/store.ts';
import { CONFIRMATION_CODE_EVENT, subscribedPattern } from '../../db/webhook-events.ts';

/**
 * The operator's webhooks subscribed to confirmation codes, when the phone belongs to a
 * participant of the operator; none otherwise. One statement whichever the case.
 */
export async function codeRecipients(db: Db, operatorId: number, phone: number): Promise<number[]> {
  const rows = await db
    .selectFrom('webhooks as w')
    .select('w.id')
    .where('w.operator_id', '=', operatorId)
    .where('w.events', 'like', subscribedPattern(CONFIRMATION_CODE_EVENT))
    .where((eb) => eb.exists(eb.selectFrom('participants as p').select('p.id').where('p.operator_id', '=', operatorId).where('p.phone', '=', phone)))
    .orderBy('w.id')
    .execute();
  return rows.map((r) => r.id);
}

export async function enqueueCodeMessages(db: Db, m: { eventId: string; webhookIds: readonly number[]; sealed: string; expiresAt: Date }): Promise<void> {
  if (m.webhookIds.length === 0) return;
  const expires = m.expiresAt.toISOString();
  await db
    .insertInto('code_messages')
    .values(m.webhookIds.map((webhookId) => ({ event_id: m.eventId, webhook_id: webhookId, sealed: m.sealed, expires_at: expires, next_attempt_at: null, lease_until: null, claimed_by: null })))
    .execute();
}

export interface ClaimedMessage {
  id: number;
  eventId: string;
  webhookId: number;
  attempts: number;
  sealed: string;
  url: string;
  secret: string;
}

/** Leases due, unexpired messages (FOR UPDATE SKIP LOCKED on PostgreSQL: one process per message). */
export async function claimCodeMessages(store: Store, o: { now: Date; leaseUntil: Date; claimant: string; limit: number }): Promise<ClaimedMessage[]> {
  const now = o.now.toISOString();
  return store.transact(async (tx) => {
    let q = tx
      .selectFrom('code_messages')
      .select('id')
      .where('expires_at', '>', now)
      .where((eb) => eb.or([eb('next_attempt_at', 'is', null), eb('next_attempt_at', '<=', now)]))
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .orderBy('id')
      .limit(o.limit);
    if (store.engine === 'postgres') q = q.forUpdate().skipLocked();
    const ids = (await q.execute()).map((r) => r.id);
    if (ids.length === 0) return [];
    await tx.updateTable('code_messages').set({ lease_until: o.leaseUntil.toISOString(), claimed_by: o.claimant }).where('id', 'in', ids).execute();
    const rows = await tx
      .selectFrom('code_messages as m')
      .innerJoin('webhooks as w', 'w.id', 'm.webhook_id')
      .select(['m.id', 'm.event_id', 'm.webhook_id', 'm.attempts', 'm.sealed', 'w.url', 'w.secret'])
      .where('m.claimed_by', '=', o.claimant)
      .orderBy('m.id')
      .execute();
    return rows.map((r) => ({ id: r.id, eventId: r.event_id, webhookId: r.webhook_id, attempts: r.attempts, sealed: r.sealed, url: r.url, secret: r.secret }));
  });
}

export async function deleteCodeMessage(db: Db, id: number): Promise<void> {
  await db.deleteFrom('code_messages').where('id', '=', id).execute();
}

/** A failed attempt: due again at `next` (the lease is given back). */
export async function retryCodeMessage(db: Db, id: number, claimant: string, next: Date): Promise<void> {
  await db
    .updateTable('code_messages')
    .set((eb) => ({ attempts: eb('attempts', '+', 1), next_attempt_at: next.toISOString(), lease_until: null, claimed_by: null }))
    .where('id', '=', id)
    .where('claimed_by', '=', claimant)
    .execute();
}

export async function deleteExpiredCodeMessages(db: Db, now: Date): Promise<void> {
  await db.deleteFrom('code_messages').where('expires_at', '<=', now.toISOString()).execute();
}
