// The outbox's write side: change events and their deliveries, one per (event, webhook).
// Deliveries are fanned out in the change's own transaction to the operator's webhooks of
// that moment, so that a change and its notification commit together (at-least-once, never
// lost). The dispatcher's side (claims, leases, listing) is src/webhooks/store/deliveries.ts.
import type { Db } from '../../db/directory.ts';
import { CHANGE_EVENT, subscribedPattern } from '../../db/webhook-events.ts';

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
