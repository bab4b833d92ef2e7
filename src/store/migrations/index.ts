// The ordered list of migrations. Kysely's migrator runs them by name, in this order.
import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.ts';

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
