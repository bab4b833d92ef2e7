// The ordered list of migrations. Kysely's migrator runs them by name, in this order.
import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.ts';
import * as auth from './0002-auth.ts';
import * as history from './0003-history.ts';
import * as agreePersonalData from './0004-agree-personal-data.ts';

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-auth': auth,
  '0003-history': history,
  '0004-agree-personal-data': agreePersonalData,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
