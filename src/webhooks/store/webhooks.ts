// Webhooks: where an operator's events are delivered (change events, and confirmation codes to
// those that subscribe to them). Read by the dispatchers on every poll, so adding or removing
// one takes effect on a running server.
import type { Db } from '../../db/directory.ts';
import { nowIso } from '../../db/convert.ts';
import type { EventType } from '../../db/webhook-events.ts';

export interface Webhook {
  id: number;
  operatorId: number;
  url: string;
  secret: string;
  createdAt: string;
  /** Subscribed event types; null = the change events only. */
  events: EventType[] | null;
}

export async function addWebhook(db: Db, w: { operatorId: number; url: string; secret: string; events?: readonly EventType[] | null }): Promise<Webhook> {
  const createdAt = nowIso();
  const events = w.events && w.events.length > 0 ? [...new Set(w.events)] : null;
  const { id } = await db
    .insertInto('webhooks')
    .values({ operator_id: w.operatorId, url: w.url, secret: w.secret, created_at: createdAt, events: events && JSON.stringify(events) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id, operatorId: w.operatorId, url: w.url, secret: w.secret, createdAt, events };
}

export async function listWebhooks(db: Db): Promise<Webhook[]> {
  const rows = await db.selectFrom('webhooks').selectAll().orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, operatorId: r.operator_id, url: r.url, secret: r.secret, createdAt: r.created_at, events: r.events === null ? null : (JSON.parse(r.events) as EventType[]) }));
}

/** Removes the webhook and (by cascade) its deliveries; false when there was none. */
export async function removeWebhook(db: Db, id: number): Promise<boolean> {
  const res = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
