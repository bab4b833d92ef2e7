// Idempotency keys (docs/reliability.md, "Retries"): the first answer to a write sent with an
// Idempotency-Key, stored in the write's own transaction, so that a retry is answered from
// here instead of acting again. The primary key is the key's scope: operator, principal,
// operation and the key itself; a second insert of it fails, which is what settles two
// processes racing with one key. Expired rows are deleted in the background by expires_at.
import type { Kysely } from 'kysely';
import { columnTypes } from './column-types.ts';

export async function up(db: Kysely<unknown>): Promise<void> {
  const t = columnTypes(db);
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('operator_id', 'integer', (c) => c.notNull())
    // 'manager:<login>' or 'client:<id>'.
    .addColumn('principal', 'text', (c) => c.notNull())
    .addColumn('operation', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    // SHA-256 (hex) of the canonical encoding of the decoded request.
    .addColumn('request_hash', 'text', (c) => c.notNull())
    .addColumn('status', 'integer', (c) => c.notNull())
    // The response fields as JSON (not the encoded bytes: a retry may ask for another format).
    .addColumn('response', 'text', (c) => c.notNull())
    .addColumn('created_at', t.timestamp, (c) => c.notNull())
    .addColumn('expires_at', t.timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pkey', ['operator_id', 'principal', 'operation', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_expires_idx').on('idempotency_keys').column('expires_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('idempotency_keys').execute();
}
