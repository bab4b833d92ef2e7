// Kysely's migrator serializes concurrent runs on PostgreSQL with a session-level advisory
// lock, taken and released by statements of their own. Through a pooler in transaction mode
// those statements may land on different server connections, and the lock stays held on one
// of them. Here the lock is transaction-level instead: the migrator (run with
// disableTransactions, see migrate.ts) gets one transaction for the whole run, opened with
// the lock and committed at the end (a failed migration has aborted it, so the commit rolls
// it back), which a pooler keeps on one server connection from BEGIN to COMMIT.
import { PostgresAdapter, PostgresDialect, sql } from 'kysely';
import type { DialectAdapter, Kysely } from 'kysely';

/** Kysely's own lock key: an older release migrating at the same moment waits for this one. */
const LOCK_ID = '3853314791062309107';

class TransactionLockPostgresAdapter extends PostgresAdapter {
  override async acquireMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`begin`.execute(db);
    await sql`select pg_advisory_xact_lock(${sql.raw(LOCK_ID)})`.execute(db);
  }

  override async releaseMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`commit`.execute(db);
  }
}

export class TransactionLockPostgresDialect extends PostgresDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionLockPostgresAdapter();
  }
}
