// Who changed what (spec client-update.md §4.6): the change history, the consent ledger,
// and the outbox of change events with their per-webhook deliveries. Field values are kept
// as JSON text (not jsonb) so that both engines store and return exactly the same thing.
import type { CreateTableBuilder, Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.ts';
import { columnTypes } from './column-types.ts';

/** When, by whom and through what a change was made: on history and ledger rows alike. */
function withChangeContext<T extends string>(b: CreateTableBuilder<T>, t: ColumnTypes): CreateTableBuilder<T> {
  return b
    .addColumn('changed_at', t.timestamp, (c) => c.notNull())
    .addColumn('initiator_kind', 'text', (c) => c.notNull())
    .addColumn('manager_login', 'text')
    .addColumn('manager_token', 'integer')
    .addColumn('pos_code', 'text')
    .addColumn('site_code', 'text')
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('remote_address', 'text');
}

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('change_history')
    .addColumn('id', t.autoId, (c) => c.primaryKey())
    .addColumn('participant_id', 'integer', (c) => c.notNull().references('participants.id'))
    .addColumn('operator_id', 'integer', (c) => c.notNull())
    .$call((b) => withChangeContext(b, t))
    .addColumn('fields', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('change_history_participant_idx').on('change_history').columns(['participant_id', 'id']).execute();

  await db.schema
    .createTable('consent_ledger')
    .addColumn('id', t.autoId, (c) => c.primaryKey())
    .addColumn('history_id', 'integer', (c) => c.notNull().references('change_history.id'))
    .addColumn('participant_id', 'integer', (c) => c.notNull())
    .addColumn('operator_id', 'integer', (c) => c.notNull())
    .addColumn('consent', 'text', (c) => c.notNull())
    .addColumn('given', 'boolean', (c) => c.notNull())
    .addColumn('previous', 'boolean')
    .$call((b) => withChangeContext(b, t))
    .execute();
  await db.schema.createIndex('consent_ledger_participant_idx').on('consent_ledger').columns(['participant_id', 'id']).execute();

  await db.schema
    .createTable('change_events')
    .addColumn('id', t.autoId, (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull().unique())
    .addColumn('participant_id', 'integer', (c) => c.notNull())
    .addColumn('operator_id', 'integer', (c) => c.notNull())
    // The exact bytes that are signed and sent: fixed when the change commits.
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhooks')
    .addColumn('id', t.autoId, (c) => c.primaryKey())
    .addColumn('operator_id', 'integer', (c) => c.notNull().references('operators.id'))
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('webhooks_operator_idx').on('webhooks').column('operator_id').execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('event_id', 'integer', (c) => c.notNull().references('change_events.id'))
    .addColumn('webhook_id', 'integer', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    // Copied from the event: deliveries are ordered per (webhook, participant).
    .addColumn('participant_id', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    // Null = due now: rows are fanned out by INSERT … SELECT, where a typed timestamp
    // parameter would need an engine-specific cast.
    .addColumn('next_attempt_at', t.timestamp)
    .addColumn('lease_until', t.timestamp)
    .addColumn('claimed_by', 'text')
    .addColumn('last_error', 'text')
    .addColumn('delivered_at', t.timestamp)
    .addPrimaryKeyConstraint('webhook_deliveries_pk', ['event_id', 'webhook_id'])
    .execute();
  await db.schema.createIndex('webhook_deliveries_due_idx').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
  await db.schema
    .createIndex('webhook_deliveries_queue_idx')
    .on('webhook_deliveries')
    .columns(['webhook_id', 'participant_id', 'event_id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['webhook_deliveries', 'webhooks', 'change_events', 'consent_ledger', 'change_history']) {
    await db.schema.dropTable(table).execute();
  }
}
