// Participants' sign-in (docs/participant-sign-in.md): confirmation codes (hashed), the
// rate-limit counters of code requests, the sealed code messages waiting for the
// operator's SMS gateway, and per-webhook event-type subscriptions.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);

  await db.schema
    .createTable('confirm_codes')
    .addColumn('operator_id', 'integer', (c) => c.notNull())
    .addColumn('phone', 'bigint', (c) => c.notNull())
    // Null when the phone belongs to no participant: the code is stored (the same work
    // either way) but never sent, and cannot set a password.
    .addColumn('participant_id', 'integer')
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('tries_left', 'integer', (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('confirm_codes_pk', ['operator_id', 'phone'])
    .execute();
  await db.schema.createIndex('confirm_codes_expires_idx').on('confirm_codes').column('expires_at').execute();

  await db.schema
    .createTable('rate_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('hits', 'integer', (c) => c.notNull())
    .addColumn('window_start', t.timestamp, (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rate_counters_expires_idx').on('rate_counters').column('expires_at').execute();

  await db.schema
    .createTable('code_messages')
    .addColumn('id', t.autoId, (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('webhook_id', 'integer', (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
    // AES-256-GCM of the JSON body: the code is never stored in clear, even while it waits.
    .addColumn('sealed', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', t.timestamp)
    .addColumn('lease_until', t.timestamp)
    .addColumn('claimed_by', 'text')
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('code_messages_expires_idx').on('code_messages').column('expires_at').execute();

  // JSON array of event types; null = the change events only (what every webhook got before).
  await db.schema.alterTable('webhooks').addColumn('events', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhooks').dropColumn('events').execute();
  for (const table of ['code_messages', 'rate_counters', 'confirm_codes']) await db.schema.dropTable(table).execute();
}
