// Webhooks: where an operator's change events are delivered. Read by the dispatcher on
// every poll, so adding or removing one takes effect on a running server.
import type { Db } from '../../db/directory.ts';
import { nowIso } from '../../db/convert.ts';

export interface Webhook {
  id: number;
  operatorId: number;
  url: string;
  secret: string;
  createdAt: string;
}

export async function addWebhook(db: Db, w: { operatorId: number; url: string; secret: string }): Promise<Webhook> {
  const createdAt = nowIso();
  const { id } = await db
    .insertInto('webhooks')
    .values({ operator_id: w.operatorId, url: w.url, secret: w.secret, created_at: createdAt })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id, ...w, createdAt };
}

export async function listWebhooks(db: Db): Promise<Webhook[]> {
  const rows = await db.selectFrom('webhooks').selectAll().orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, operatorId: r.operator_id, url: r.url, secret: r.secret, createdAt: r.created_at }));
}

/** Removes the webhook and (by cascade) its deliveries; false when there was none. */
export async function removeWebhook(db: Db, id: number): Promise<boolean> {
  const res = await db.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
