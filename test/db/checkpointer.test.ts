// WAL checkpoints of a serving SQLite store run in a worker thread: commits no longer copy
// pages into the database file themselves, yet the file catches up within moments, and
// closing the store leaves everything in it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import SQLite from 'better-sqlite3';
import { createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { openStore } from '../../src/db/store.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { upsertOperator } from '../../src/db/directory.ts';

const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);

async function fill(store: Awaited<ReturnType<typeof openStore>>, rows: number): Promise<void> {
  await store.transact(async (tx) => {
    for (let i = 0; i < rows; i++) await upsertOperator(tx, { id: 1000 + i, name: `operator ${i} ${'x'.repeat(400)}` });
  });
}

/** A fresh SQLite database with the schema, migrated by a command's (plain) store. */
async function migratedDatabase(): Promise<TestDatabase> {
  const database = await createTestDatabase('sqlite');
  const plain = await openStore(database.url);
  await migrateToLatest(plain.db);
  await plain.close();
  return database;
}

describe('background WAL checkpoints on SQLite', () => {
  it('a serving store never checkpoints in a commit; the worker brings the database file up to date', async () => {
    const database = await migratedDatabase();
    try {
      const store = await openStore(database.url, { serving: true });
      const conn = new SQLite(database.url, { readonly: true });
      try {
        const before = size(database.url);
        await fill(store, 5000);
        const end = Date.now() + 10_000;
        while (size(database.url) <= before + 1_000_000 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
        assert.ok(size(database.url) > before + 1_000_000, `the database file grew from ${before} to ${size(database.url)} bytes`);
        assert.equal((conn.prepare('select count(*) as n from operators where id >= 1000').get() as { n: number }).n, 5000);
      } finally {
        conn.close();
        await store.close();
      }
      const check = new SQLite(database.url);
      assert.equal(check.pragma('wal_autocheckpoint', { simple: true }), 1000, 'a new connection checkpoints as usual');
      check.close();
    } finally {
      await database.drop();
    }
  });

  it('control: with checkpoints off and no worker, the same writes leave the database file as it was (so the growth above is the worker\'s)', async () => {
    const database = await migratedDatabase();
    try {
      const conn = new SQLite(database.url);
      conn.pragma('journal_mode = WAL');
      conn.pragma('wal_autocheckpoint = 0');
      const before = size(database.url);
      const insert = conn.prepare('insert into operators (id, name) values (?, ?)');
      conn.transaction(() => {
        for (let i = 0; i < 5000; i++) insert.run(1000 + i, `operator ${i} ${'x'.repeat(400)}`);
      })();
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(size(database.url), before, 'nothing but a checkpoint writes the database file');
      conn.close();
    } finally {
      await database.drop();
    }
  });
});
