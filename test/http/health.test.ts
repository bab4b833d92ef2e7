import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES, createTestStore } from '../helpers/engines.ts';
import { buildApp } from '../../src/http/app.ts';
import { startServer } from '../../src/http/server.ts';
import { loadConfig } from '../../src/config.ts';
import { openStore } from '../../src/db/store.ts';
import { findManagerByLogin } from '../../src/auth/store/managers.ts';
import { verifyPassword } from '../../src/auth/password.ts';
import { createTestDatabase } from '../helpers/engines.ts';
import { Migrator, sql } from 'kysely';
import { migrationProvider } from '../../src/db/migrations/index.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { schemaState } from '../../src/db/schema-version.ts';

const QUIET = { logger: false, out: { write: () => true } } as const;

for (const engine of ENGINES) {
  describe(`health and first start on ${engine}`, () => {
    it('GET /health answers 200 while the database answers', async () => {
      const ts = await createTestStore(engine);
      const app = await buildApp({ config: ts.config, store: ts.store, logger: false });
      try {
        const res = await app.inject({ method: 'GET', url: '/health' });
        assert.equal(res.statusCode, 200);
        assert.deepEqual(res.json(), { status: 'ok' });
      } finally {
        await app.close();
        await ts.dispose();
      }
    });

    it('GET /health answers 503 when the database is gone', async () => {
      const ts = await createTestStore(engine);
      await ts.database.drop();
      // SQLite: the file's directory is removed and the handle closed; PostgreSQL: the database is dropped.
      await ts.store.close();
      const gone = engine === 'sqlite' ? ts.store : await openStore(ts.database.url);
      const app = await buildApp({ config: ts.config, store: gone, logger: false });
      try {
        const res = await app.inject({ method: 'GET', url: '/health' });
        assert.equal(res.statusCode, 503);
        assert.deepEqual(res.json(), { status: 'unavailable' });
      } finally {
        await app.close();
        if (gone !== ts.store) await gone.close();
      }
    });

    it(engine === 'sqlite' ? 'a start on an older schema brings it up to date (npm start migrates SQLite itself)' : 'a start on an older schema is refused, naming lcm migrate; after it, the start serves', async () => {
      const database = await createTestDatabase(engine);
      const config = loadConfig({}, { database: database.url, port: 0, jwtSecret: 'x'.repeat(32) });
      try {
        const store = await openStore(database.url);
        try {
          const { error } = await new Migrator({ db: store.db, provider: migrationProvider }).migrateTo('0002-auth');
          assert.equal(error, undefined);
        } finally {
          await store.close();
        }
        const everyMigration = Object.keys(await migrationProvider.getMigrations());
        // Every migration after 0002-auth, as the migrations index lists them (0003 … 0006 and later ones).
        const later = everyMigration.slice(everyMigration.indexOf('0002-auth') + 1);
        assert.ok(later.includes('0006-sign-in'));
        if (engine === 'postgres') {
          await assert.rejects(startServer(config, QUIET), {
            message: `the database schema is older than this release (missing ${later.join(', ')}): run \`lcm migrate\` against it (docs/deploy.md#migrations), then start again`,
          });
          const store2 = await openStore(database.url);
          try {
            assert.deepEqual(await schemaState(store2.db, 'postgres'), { kind: 'behind', missing: later });
            await migrateToLatest(store2.db);
            assert.deepEqual(await schemaState(store2.db, 'postgres'), { kind: 'current' });
          } finally {
            await store2.close();
          }
        }
        const server = await startServer(config, QUIET);
        try {
          assert.equal((await fetch(`${server.url}/health`)).status, 200);
          const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(server.app.deps.store.db);
          assert.deepEqual(applied.rows.map((r) => r.name), everyMigration);
        } finally {
          await server.close();
        }
      } finally {
        await database.drop();
      }
    });

    it('the first start creates the demo data and a demo manager whose password is shown once', async () => {
      const database = await createTestDatabase(engine);
      const config = loadConfig({}, { database: database.url, port: 0, jwtSecret: 'x'.repeat(32) });
      const first = await startServer(config, QUIET);
      let password: string | undefined;
      try {
        password = first.demoPassword;
        assert.ok(password && password.length >= 12);
        const res = await fetch(`${first.url}/health`);
        assert.equal(res.status, 200);
      } finally {
        await first.close();
      }
      const second = await startServer(config, QUIET);
      try {
        assert.equal(second.demoPassword, undefined, 'demo data is created once');
        const store = second.app.deps.store;
        const demo = await findManagerByLogin(store.db, 'demo');
        assert.ok(demo);
        assert.equal(demo.operatorId, 1);
        assert.ok(await verifyPassword(password!, demo.passwordHash));
        const participants = await store.db.selectFrom('participants').select('id').execute();
        assert.equal(participants.length, 3);
        const pos = await store.db.selectFrom('poses').select('code').execute();
        assert.deepEqual(pos.map((p) => p.code), ['MSK-001']);
      } finally {
        await second.close();
        await database.drop();
      }
    });
  });
}
