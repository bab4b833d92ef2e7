import type { Command } from 'commander';
import { configFrom, databaseOption } from './common.ts';
import { openStore } from '../db/store.ts';
import { migrateToLatest } from '../db/migrate.ts';

export function registerMigrate(program: Command): void {
  databaseOption(program.command('migrate').description('Bring the database schema up to date.')).action(
    async (flags: { database?: string }) => {
      const store = await openStore(configFrom(flags).database);
      try {
        const { applied } = await migrateToLatest(store.db);
        process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Schema is up to date.\n');
      } finally {
        await store.close();
      }
    },
  );
}
