// The engines every suite runs against: SQLite always, PostgreSQL when LCM_TEST_PG holds
// a connection URL. Each store is fresh: a new SQLite file, or a new PostgreSQL database.
// With LCM_TEST_PG_POOLER=1 (the run of scripts/run-tests.js through PgBouncer) only
// PostgreSQL, each database reached through a PgBouncer in transaction mode (pgbouncer.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import type { Config } from '../../src/config.ts';
import { openStore } from '../../src/db/store.ts';
import { servingStoreOptions } from '../../src/http/server.ts';
import type { Engine, Store } from '../../src/db/store.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { sharedPgBouncer } from './pgbouncer.ts';

/** LCM_TEST_PG_POOLER=1: PostgreSQL databases are handed out through PgBouncer. */
export const THROUGH_POOLER = process.env.LCM_TEST_PG_POOLER === '1';

export const ENGINES: Engine[] = THROUGH_POOLER ? ['postgres'] : process.env.LCM_TEST_PG ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestDatabase {
  engine: Engine;
  /** What LCM_DATABASE / --database would hold for it (through the pooler when pooled). */
  url: string;
  /** The same database, directly (what LCM_MIGRATE_DATABASE would hold). */
  direct: string;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** PostgreSQL: `url` goes through a PgBouncer in transaction mode. Default: THROUGH_POOLER. */
  pooled?: boolean;
}

export async function createTestDatabase(engine: Engine, options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `lcm_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  if (engine === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-test-'));
    const file = path.join(dir, `${name}.sqlite`);
    return { engine, url: file, direct: file, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const admin = process.env.LCM_TEST_PG;
  if (!admin) throw new Error('LCM_TEST_PG is not set');
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`create database ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const direct = url.toString();
  return {
    engine,
    url: (options.pooled ?? THROUGH_POOLER) ? (await sharedPgBouncer()).url(direct) : direct,
    direct,
    drop: async () => {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface TestStore {
  store: Store;
  config: Config;
  database: TestDatabase;
  dispose(): Promise<void>;
}

/** A migrated store and a config pointing at it. */
export async function createTestStore(engine: Engine, overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<TestStore> {
  const database = await createTestDatabase(engine);
  const config = loadConfig({}, { jwtSecret: 'test-secret-0123456789abcdef0123456789', ...overrides, database: database.url } as never);
  // Opened as a serving process opens it: the app under test runs on the production path.
  const store = await openStore(config.database, servingStoreOptions(config));
  await migrateToLatest(store.db);
  return {
    store,
    config,
    database,
    dispose: async () => {
      await store.close();
      await database.drop();
    },
  };
}
