// The ordered list of migrations. Kysely's migrator runs them by name, in this order.
import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './0001-initial.ts';
import * as auth from './0002-auth.ts';
import * as history from './0003-history.ts';
import * as idempotencyKeys from './0004-idempotency-keys.ts';
import * as search from './0005-search.ts';
import * as signIn from './0006-sign-in.ts';
import * as agreePersonalData from './0007-agree-personal-data.ts';

const MIGRATIONS: Record<string, Migration> = {
  '0001-initial': initial,
  '0002-auth': auth,
  '0003-history': history,
  '0004-idempotency-keys': idempotencyKeys,
  '0005-search': search,
  '0006-sign-in': signIn,
  '0007-agree-personal-data': agreePersonalData,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
