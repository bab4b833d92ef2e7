// The usual set-up of a suite: a fresh store loaded with the fixtures, and the app over it
// built by the production factory.
import type { FastifyInstance } from 'fastify';
import { createTestDatabase, createTestStore } from './engines.ts';
import type { TestDatabase, TestStore } from './engines.ts';
import { FIXTURES } from './fixtures.ts';
import type { Config } from '../../src/config.ts';
import type { Engine } from '../../src/db/store.ts';
import { buildApp } from '../../src/http/app.ts';
import { seed } from '../../src/seed/fixtures.ts';
import type { Fixtures } from '../../src/seed/fixtures.ts';
import { openStore } from '../../src/db/store.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';

export async function seededStore(engine: Engine, overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<TestStore> {
  const ts = await createTestStore(engine, overrides);
  await seed(ts.store.db, ts.store.engine, FIXTURES);
  return ts;
}

/** A fresh database, migrated and loaded with the fixtures, for servers run as child processes. */
export async function seededDatabase(engine: Engine, fixtures: Fixtures = FIXTURES): Promise<TestDatabase> {
  const database = await createTestDatabase(engine);
  const store = await openStore(database.url);
  try {
    await migrateToLatest(store.db);
    await seed(store.db, store.engine, fixtures);
  } finally {
    await store.close();
  }
  return database;
}

export interface Seeded {
  t: TestStore;
  app: FastifyInstance;
  close(): Promise<void>;
}

export async function seededApp(engine: Engine, overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<Seeded> {
  const t = await seededStore(engine, overrides);
  const app = await buildApp({ config: t.config, store: t.store, logger: false });
  return {
    t,
    app,
    close: async () => {
      await app.close();
      await t.dispose();
    },
  };
}
