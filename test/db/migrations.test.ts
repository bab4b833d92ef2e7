import { describe, it, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ENGINES, createTestDatabase, createTestStore } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/db/store.ts';
import { SQLITE_PAGE_SIZE } from '../../src/db/sqlite.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { seed } from '../../src/seed/fixtures.ts';
import { findParticipant } from '../../src/participant/store/participants.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import { runLcm } from '../helpers/cli.ts';
import { freePort } from '../helpers/net.ts';

for (const engine of ENGINES) {
  describe(`store on ${engine}`, () => {
    it('migrates an empty database, and a second run applies nothing', async () => {
      const database = await createTestDatabase(engine);
      const store = await openStore(database.url);
      try {
        const first = await migrateToLatest(store.db);
        assert.equal(first.applied[0], '0001-initial');
        assert.ok(first.applied.includes('0002-auth'));
        const second = await migrateToLatest(store.db);
        assert.deepEqual(second.applied, []);
        const tables = (await store.db.introspection.getTables()).map((t) => t.name).filter((n) => !n.startsWith('kysely_'));
        for (const t of ['operators', 'partners', 'poses', 'sites', 'managers', 'refresh_tokens', 'participants', 'cards']) {
          assert.ok(tables.includes(t), `table ${t} exists`);
        }
      } finally {
        await store.close();
        await database.drop();
      }
    });

    it('a failed migration is named, with the database\'s own message, by migrateToLatest and by lcm migrate' + (engine === 'postgres' ? '; the whole run is undone' : ''), async () => {
      const database = await createTestDatabase(engine);
      const store = await openStore(database.url);
      try {
        // 0002-auth creates this table: its migration fails after 0001-initial's succeeded.
        await sql`create table settings (x integer)`.execute(store.db);
        await assert.rejects(migrateToLatest(store.db), (err: Error) => {
          assert.match(err.message, engine === 'postgres' ? /^Migration 0002-auth failed: relation "settings" already exists$/ : /^Migration 0002-auth failed: table [`"]?settings[`"]? already exists$/);
          return true;
        });
        const cli = await runLcm(['migrate', '--database', database.url]);
        assert.equal(cli.code, 1);
        assert.match(cli.stderr, /^lcm: Migration 0002-auth failed: .*settings.* already exists\n$/);
        const applied = (await sql<{ name: string }>`select name from kysely_migration`.execute(store.db)).rows.map((r) => r.name);
        // PostgreSQL runs all of it in one transaction: 0001-initial is undone with the failure.
        assert.deepEqual(applied, engine === 'postgres' ? [] : ['0001-initial']);
      } finally {
        await store.close();
        await database.drop();
      }
    });

    if (engine === 'postgres') {
      it('a run that cannot start says so with the driver\'s message', async () => {
        const url = new URL(process.env.LCM_TEST_PG!);
        url.port = String(await freePort());
        const cli = await runLcm(['migrate'], { LCM_DATABASE: 'unused.sqlite', LCM_MIGRATE_DATABASE: url.toString() });
        assert.equal(cli.code, 1);
        assert.match(cli.stderr, /^lcm: Migrations could not run: connect ECONNREFUSED 127\.0\.0\.1:\d+\n$/);
      });
    }

    if (engine === 'sqlite') {
      it('opens SQLite with WAL, synchronous=FULL, foreign keys, a busy timeout and 2 KiB pages', async () => {
        const ts = await createTestStore(engine);
        try {
          const q = async (pragma: string) => Object.values((await sql.raw(`pragma ${pragma}`).execute(ts.store.db)).rows[0] as object)[0];
          assert.equal(String(await q('journal_mode')), 'wal');
          assert.equal(Number(await q('synchronous')), 2); // FULL
          assert.equal(Number(await q('foreign_keys')), 1);
          assert.ok(Number(await q('busy_timeout')) >= 1000);
          assert.equal(Number(await q('page_size')), SQLITE_PAGE_SIZE);
          assert.notEqual(SQLITE_PAGE_SIZE, 4096, 'not SQLite\'s default');
        } finally {
          await ts.dispose();
        }
      });

      it('keeps the page size of a database made before (it serves it unchanged)', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-pages-'));
        const file = path.join(dir, 'old.sqlite');
        try {
          const old = new Database(file);
          old.pragma('page_size = 4096');
          old.pragma('journal_mode = WAL');
          old.close();
          const store = await openStore(file, { serving: true });
          try {
            await migrateToLatest(store.db);
            const { rows } = await sql<{ page_size: number }>`pragma page_size`.execute(store.db);
            assert.equal(Number(rows[0]?.page_size), 4096);
            assert.equal(Number((await store.db.selectFrom('participants').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n), 0);
          } finally {
            await store.close();
          }
        } finally {
          fs.rmSync(dir, { recursive: true, force: true });
        }
      });
    }

    describe('with fixtures', () => {
      let ts: TestStore;
      before(async () => {
        ts = await createTestStore(engine);
      });
      after(async () => ts.dispose());

      it('seeds twice and leaves the same data', async () => {
        const snapshot = async () => {
          const db = ts.store.db;
          return {
            participants: await db.selectFrom('participants').selectAll().orderBy('id').execute(),
            managers: await db.selectFrom('managers').select(['login', 'password_hash', 'token', 'operator_id', 'partner_id', 'pos_id', 'roles']).orderBy('login').execute(),
            poses: await db.selectFrom('poses').selectAll().orderBy('id').execute(),
            sites: await db.selectFrom('sites').selectAll().orderBy('id').execute(),
            operators: await db.selectFrom('operators').selectAll().orderBy('id').execute(),
          };
        };
        await seed(ts.store.db, engine, FIXTURES);
        const a = await snapshot();
        await seed(ts.store.db, engine, FIXTURES);
        const b = await snapshot();
        // Timestamps of the participants stay; everything else is identical.
        assert.deepEqual(b, a);
        assert.equal(a.participants.length, 3);
        assert.equal(a.managers.length, 2);
      });

      it('reads int64, dates and booleans back as the domain expects', async () => {
        const p = await findParticipant(ts.store.db, 1);
        assert.ok(p);
        assert.equal(p.phone, 79160000001);
        assert.equal(typeof p.phone, 'number');
        assert.equal(p.birthdate, '1990-05-15');
        assert.equal(p.allowSms, true);
        assert.equal(p.allowEmail, false);
        assert.equal(p.gender, 1);
      });

      it('enforces per-operator uniqueness of phone, case-insensitive e-mail and contragent id in the database', async () => {
        const base = { operator_id: 1, gender: 0, created_at: new Date().toISOString(), updated_at: new Date().toISOString(), version: 0 };
        const attempts = [
          { ...base, id: 100, phone: 79160000001 },
          { ...base, id: 101, email: 'IVAN@example.ru', email_key: 'ivan@example.ru' },
          { ...base, id: 102, contragent_id: '1C-0001' },
        ];
        for (const row of attempts) {
          await assert.rejects(ts.store.db.insertInto('participants').values(row).execute(), /unique|UNIQUE/, JSON.stringify(row));
        }
        // The same values are fine for another operator.
        await ts.store.db.insertInto('participants').values({ ...base, id: 103, operator_id: 2, phone: 79160000001, email: 'IVAN@example.ru', email_key: 'ivan@example.ru', contragent_id: '1C-0001' }).execute();
        const other = await findParticipant(ts.store.db, 103);
        assert.equal(other?.operatorId, 2);
      });

      it('keeps POS codes unique per operator, compared case-insensitively', async () => {
        await assert.rejects(
          ts.store.db.insertInto('poses').values({ operator_id: 1, partner_id: 10, code: 'msk-001', code_key: 'MSK-001', name: 'dup' }).execute(),
          /unique|UNIQUE/,
        );
      });
    });
  });
}
