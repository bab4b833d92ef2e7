// ClientDeliveries: the webhook deliveries of a participant's change events and their
// state, newest event first. Managers only: the answer shows the operator's webhook URLs.
import type { RequestOf, ResponseOf } from '../contract/types.ts';
import type { ClientDeliveries } from '../contract/client-deliveries.ts';
import { clientDeliveries } from '../contract/client-deliveries.ts';
import type { Store } from '../db/store.ts';
import type { CallContext, Outcome } from '../lib/principal.ts';
import { FORBIDDEN } from '../lib/principal.ts';
import { authorizeParticipant } from '../participant/authorize.ts';
import { resultFor } from '../participant/results.ts';
import { operatorCheck } from '../db/directory.ts';
import { findParticipant } from '../participant/store/participants.ts';
import { pageOf } from '../participant/paging.ts';
import { deliveryPage } from './store/deliveries.ts';

export type ClientDeliveriesRequest = RequestOf<ClientDeliveries>;
export type ClientDeliveriesResponse = ResponseOf<ClientDeliveries>;

const fail = (code: number, field?: string): ClientDeliveriesResponse => ({ ...resultFor(clientDeliveries, code, field), Deliveries: [] });

/** The changed fields of an event's payload (the bytes that were signed and sent). */
function changedFields(payload: string): string[] {
  const parsed = JSON.parse(payload) as { Changes?: { Field?: unknown }[] };
  return (parsed.Changes ?? []).map((c) => String(c.Field));
}

export async function readClientDeliveries(store: Store, ctx: CallContext, req: ClientDeliveriesRequest): Promise<Outcome<ClientDeliveriesResponse>> {
  if (ctx.principal.kind !== 'manager') return FORBIDDEN;
  const auth = await authorizeParticipant(operatorCheck(store.db), ctx.principal, req, (id) => findParticipant(store.db, id));
  if (auth.kind === 'forbidden') return FORBIDDEN;
  if (auth.kind === 'error') return fail(auth.code);
  const page = pageOf(req);
  if ('invalid' in page) return fail(13, page.invalid);
  const rows = await deliveryPage(store.db, auth.participant.id, page);
  return {
    ...resultFor(clientDeliveries, 0),
    Deliveries: rows.map((r) => ({
      EventId: r.eventUuid,
      Time: r.createdAt,
      Fields: changedFields(r.payload),
      Webhook: r.webhookId,
      Url: r.url,
      Status: r.status,
      Attempts: r.attempts,
      LastError: r.lastError,
      NextAttempt: r.nextAttemptAt,
      DeliveredAt: r.deliveredAt,
    })),
  };
}
