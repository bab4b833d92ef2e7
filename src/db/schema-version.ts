// Which migrations a database has had, read with plain queries (no lock, nothing written),
// so that a serving process can check its schema without migrating it.
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { Engine } from './store.ts';
import { migrationProvider } from './migrations/index.ts';

export type SchemaState =
  /** No migration has run: a new database. */
  | { kind: 'empty' }
  /** Every migration of this release has run (and perhaps newer ones: migrations only add). */
  | { kind: 'current' }
  /** Some have run, these have not. */
  | { kind: 'behind'; missing: string[] };

export async function schemaState(db: Kysely<Database>, engine: Engine): Promise<SchemaState> {
  const present =
    engine === 'postgres'
      ? (await sql<{ t: string | null }>`select to_regclass('kysely_migration')::text as t`.execute(db)).rows[0]?.t
      : (await sql<{ t: string }>`select name as t from sqlite_master where type = 'table' and name = 'kysely_migration'`.execute(db)).rows[0]?.t;
  const applied = present ? new Set((await sql<{ name: string }>`select name from kysely_migration`.execute(db)).rows.map((r) => r.name)) : new Set<string>();
  if (applied.size === 0) return { kind: 'empty' };
  const missing = Object.keys(await migrationProvider.getMigrations()).filter((name) => !applied.has(name));
  return missing.length ? { kind: 'behind', missing } : { kind: 'current' };
}
