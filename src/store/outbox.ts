// The outbox of change events and their deliveries, one per (event, webhook). Deliveries
// are fanned out in the change's own transaction to the operator's webhooks of that moment,
// so that a change and its notification commit together (at-least-once, never lost).
import type { Db } from './directory.ts';
import type { Store } from './db.ts';
import type { DeliveryStatus } from './history-schema.ts';
import { CHANGE_EVENT, subscribedPattern } from './webhook-events.ts';

export interface NewChangeEvent {
  eventId: string;
  participantId: number;
  operatorId: number;
  payload: string;
  createdAt: string;
}

/**
 * Inserts change events in one statement, in the given order (their ids order each
 * participant's deliveries), and fans each out to its operator's webhooks of this moment
 * that take change events.
 */
export async function insertChangeEvents(db: Db, events: readonly NewChangeEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db
    .insertInto('change_events')
    .values(events.map((e) => ({ event_id: e.eventId, participant_id: e.participantId, operator_id: e.operatorId, payload: e.payload, created_at: e.createdAt })))
    .execute();
  // Found by their event ids (known before the insert), not by the ids it returned: the two
  // statements need no answer in between, so they can travel together (Store.transactAtOnce).
  await db
    .insertInto('webhook_deliveries')
    .columns(['event_id', 'webhook_id', 'participant_id'])
    .expression(
      db
        .selectFrom('change_events as e')
        .innerJoin('webhooks as w', 'w.operator_id', 'e.operator_id')
        .select(['e.id', 'w.id', 'e.participant_id'])
        // Webhooks without a list of event types get every change event.
        .where((eb) => eb.or([eb('w.events', 'is', null), eb('w.events', 'like', subscribedPattern(CHANGE_EVENT))]))
        .where(
          'e.event_id',
          'in',
          events.map((e) => e.eventId),
        )
        .orderBy('e.id'),
    )
    .execute();
}

export interface DeliveryKey {
  eventId: number;
  webhookId: number;
}

export interface ClaimedDelivery extends DeliveryKey {
  /** Failed attempts so far. */
  attempts: number;
  eventUuid: string;
  eventCreatedAt: string;
  payload: string;
  url: string;
  secret: string;
}

export interface ClaimOptions {
  now: string;
  leaseUntil: string;
  /** Unique per claim: later updates only touch rows this claim still holds. */
  claimant: string;
  limit: number;
}

/**
 * Leases due deliveries. Only the head of each (webhook, participant) queue is due: a
 * later event waits until every earlier one to the same webhook is delivered or has
 * failed for good, which keeps each participant's events in order. On PostgreSQL rows are
 * claimed with FOR UPDATE SKIP LOCKED, so several server processes never claim the same
 * delivery while its lease runs; an expired lease (a process that died) is claimed again.
 */
export async function claimDeliveries(store: Store, o: ClaimOptions): Promise<ClaimedDelivery[]> {
  // store.transact: on SQLite the claim joins the group commit instead of competing with it.
  return store.transact(async (tx) => {
    let q = tx
      .selectFrom('webhook_deliveries as d')
      .select(['d.event_id', 'd.webhook_id'])
      .where('d.status', '=', 'pending')
      .where((eb) => eb.or([eb('d.next_attempt_at', 'is', null), eb('d.next_attempt_at', '<=', o.now)]))
      .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', o.now)]))
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('webhook_deliveries as p')
              .select('p.event_id')
              .whereRef('p.webhook_id', '=', 'd.webhook_id')
              .whereRef('p.participant_id', '=', 'd.participant_id')
              .whereRef('p.event_id', '<', 'd.event_id')
              .where('p.status', '=', 'pending'),
          ),
        ),
      )
      .orderBy('d.event_id')
      .limit(o.limit);
    if (store.engine === 'postgres') q = q.forUpdate().skipLocked();
    const keys = await q.execute();
    if (keys.length === 0) return [];
    await tx
      .updateTable('webhook_deliveries')
      .set({ lease_until: o.leaseUntil, claimed_by: o.claimant })
      .where((eb) => eb.or(keys.map((k) => eb.and([eb('event_id', '=', k.event_id), eb('webhook_id', '=', k.webhook_id)]))))
      .execute();
    const rows = await tx
      .selectFrom('webhook_deliveries as d')
      .innerJoin('change_events as e', 'e.id', 'd.event_id')
      .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
      .select(['d.event_id', 'd.webhook_id', 'd.attempts', 'e.event_id as uuid', 'e.created_at', 'e.payload', 'w.url', 'w.secret'])
      .where('d.claimed_by', '=', o.claimant)
      .orderBy('d.event_id')
      .execute();
    return rows.map((r) => ({
      eventId: r.event_id,
      webhookId: r.webhook_id,
      attempts: r.attempts,
      eventUuid: r.uuid,
      eventCreatedAt: r.created_at,
      payload: r.payload,
      url: r.url,
      secret: r.secret,
    }));
  });
}

function byKey(k: DeliveryKey) {
  return { event_id: k.eventId, webhook_id: k.webhookId };
}

export async function markDelivered(db: Db, k: DeliveryKey, now: string): Promise<void> {
  const key = byKey(k);
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({ status: 'delivered', delivered_at: now, lease_until: null, claimed_by: null, last_error: null, attempts: eb('attempts', '+', 1) }))
    .where('event_id', '=', key.event_id)
    .where('webhook_id', '=', key.webhook_id)
    .where('status', '=', 'pending')
    .execute();
}

/** Records a failed attempt: due again at `nextAttemptAt`, or failed for good when that is null. */
export async function markAttemptFailed(db: Db, k: DeliveryKey, claimant: string, error: string, nextAttemptAt: string | null): Promise<void> {
  const key = byKey(k);
  await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      status: nextAttemptAt === null ? 'failed' : 'pending',
      next_attempt_at: nextAttemptAt,
      lease_until: null,
      claimed_by: null,
      last_error: error.slice(0, 500),
      attempts: eb('attempts', '+', 1),
    }))
    .where('event_id', '=', key.event_id)
    .where('webhook_id', '=', key.webhook_id)
    .where('claimed_by', '=', claimant)
    .where('status', '=', 'pending')
    .execute();
}

export interface DeliveryView {
  Webhook: number;
  Status: DeliveryStatus;
  Attempts: number;
  NextAttempt: string | null;
  LastError: string | null;
  DeliveredAt: string | null;
}

export interface EventView {
  Id: number;
  EventId: string;
  Client: number;
  Operator: number;
  Time: string;
  Payload: unknown;
  Deliveries: DeliveryView[];
}

/** Events newest first with their deliveries; `pendingOnly` keeps those still waiting for a webhook. */
export async function listEvents(db: Db, opts: { pendingOnly: boolean; limit: number }): Promise<EventView[]> {
  let q = db.selectFrom('change_events as e').selectAll('e').orderBy('e.id', 'desc').limit(opts.limit);
  if (opts.pendingOnly) {
    q = q.where((eb) =>
      eb.exists(eb.selectFrom('webhook_deliveries as d').select('d.event_id').whereRef('d.event_id', '=', 'e.id').where('d.status', '=', 'pending')),
    );
  }
  const events = await q.execute();
  if (events.length === 0) return [];
  const deliveries = await db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where(
      'event_id',
      'in',
      events.map((e) => e.id),
    )
    .orderBy('webhook_id')
    .execute();
  return events.map((e) => ({
    Id: e.id,
    EventId: e.event_id,
    Client: e.participant_id,
    Operator: e.operator_id,
    Time: e.created_at,
    Payload: JSON.parse(e.payload) as unknown,
    Deliveries: deliveries
      .filter((d) => d.event_id === e.id)
      .map((d) => ({
        Webhook: d.webhook_id,
        Status: d.status,
        Attempts: d.attempts,
        NextAttempt: d.next_attempt_at,
        LastError: d.last_error,
        DeliveredAt: d.delivered_at,
      })),
  }));
}

/** Gives a claimed delivery back without counting an attempt (shutdown). */
export async function releaseLease(db: Db, k: DeliveryKey, claimant: string): Promise<void> {
  const key = byKey(k);
  await db
    .updateTable('webhook_deliveries')
    .set({ lease_until: null, claimed_by: null })
    .where('event_id', '=', key.event_id)
    .where('webhook_id', '=', key.webhook_id)
    .where('claimed_by', '=', claimant)
    .execute();
}
