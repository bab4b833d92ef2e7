import { Migrator } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { migrationProvider } from './migrations/index.ts';

export interface MigrateResult {
  applied: string[];
}

/**
 * Brings the schema up to date; throws (so the CLI exits non-zero) when a migration fails,
 * naming it and giving the database's message. On PostgreSQL the whole run is one
 * transaction holding a transaction-level lock (migration-lock.ts).
 */
export async function migrateToLatest(db: Kysely<Database>): Promise<MigrateResult> {
  const migrator = new Migrator({ db, provider: migrationProvider, disableTransactions: true });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (error) {
    const failed = (results ?? []).find((r) => r.status === 'Error');
    const cause = error instanceof Error ? error.message : String(error);
    // No failed migration: the run stopped before one started (connecting, the lock, the migration tables).
    throw new Error(failed ? `Migration ${failed.migrationName} failed: ${cause}` : `Migrations could not run: ${cause}`, { cause: error });
  }
  return { applied };
}
