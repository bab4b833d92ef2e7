// Pages of a participant's consent ledger and webhook deliveries, newest first, each read
// along an index that starts with the participant (consent_ledger_participant_idx,
// webhook_deliveries_participant_idx).
import type { Db } from '../../store/directory.ts';
import type { ConsentRow } from '../../store/history.ts';
import type { DeliveryStatus } from '../../store/history-schema.ts';
import { toBool } from '../../store/convert.ts';
import type { Page } from '../paging.ts';

export async function consentPage(db: Db, participantId: number, page: Page): Promise<ConsentRow[]> {
  const rows = await db
    .selectFrom('consent_ledger')
    .selectAll()
    .where('participant_id', '=', participantId)
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  return rows.map((r) => ({ ...r, given: toBool(r.given) === true, previous: toBool(r.previous) }));
}

export interface DeliveryRow {
  eventUuid: string;
  createdAt: string;
  payload: string;
  webhookId: number;
  url: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

/** The query of a page of deliveries (apart, so that a test can check its plan). */
export function deliveryPageQuery(db: Db, participantId: number, page: Page) {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('change_events as e', 'e.id', 'd.event_id')
    .innerJoin('webhooks as w', 'w.id', 'd.webhook_id')
    .select(['e.event_id', 'e.created_at', 'e.payload', 'w.id as webhook_id', 'w.url', 'd.status', 'd.attempts', 'd.last_error', 'd.next_attempt_at', 'd.delivered_at'])
    .where('d.participant_id', '=', participantId)
    .orderBy('d.event_id', 'desc')
    .orderBy('d.webhook_id')
    .limit(page.limit)
    .offset(page.offset);
}

export async function deliveryPage(db: Db, participantId: number, page: Page): Promise<DeliveryRow[]> {
  const rows = await deliveryPageQuery(db, participantId, page).execute();
  return rows.map((r) => ({
    eventUuid: r.event_id,
    createdAt: r.created_at,
    payload: r.payload,
    webhookId: r.webhook_id,
    url: r.url,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    nextAttemptAt: r.next_attempt_at,
    deliveredAt: r.delivered_at,
  }));
}
