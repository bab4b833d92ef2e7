import type { Command } from 'commander';
import { configFrom } from './common.ts';
import { openStore } from '../db/store.ts';
import { migrateToLatest } from '../db/migrate.ts';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Bring the database schema up to date (on PostgreSQL: a release step, run once before the new release serves).')
    .option('--database <path-or-url>', 'SQLite file or postgres:// URL, directly to PostgreSQL, not through a pooler (env LCM_MIGRATE_DATABASE, then LCM_DATABASE, default ./data/lcm.sqlite)')
    .action(async (flags: { database?: string }) => {
      const config = configFrom(flags);
      const store = await openStore(flags.database ?? config.migrateDatabase ?? config.database);
      try {
        const { applied } = await migrateToLatest(store.db);
        process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Schema is up to date.\n');
      } finally {
        await store.close();
      }
    });
}
