// The serving SQLite connection in its worker thread (src/db/sqlite-thread.ts): scripts
// (a whole transaction in one message) and kysely transactions share it in the order they
// were asked for, a script is all or nothing, and the main thread's reader sees commits.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, sql } from 'kysely';
import { SplitDriver, SqliteThread, walBound } from '../../src/db/sqlite-thread.ts';
import type { WalBound } from '../../src/db/sqlite-thread.ts';
import { startCheckpointer } from '../../src/db/checkpointer.ts';
import { sqliteDialect } from '../../src/db/sqlite-dialect.ts';

interface T {
  t: { id: number; v: string };
}

const q = (text: string, ...params: unknown[]) => CompiledQuery.raw(text, params);
/** Row 1, after counting to three million: a few hundred ms of the thread's time. */
const SLOW_INSERT = 'insert into t select 1, count(*) from (with recursive n(i) as (select 1 union all select i + 1 from n where i < 3000000) select i from n)';

describe('SQLite thread driver', () => {
  let dir: string;
  let thread: SqliteThread;
  let driver: SplitDriver;
  let db: Kysely<T>;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-thread-'));
    const file = path.join(dir, 'x.sqlite');
    thread = await SqliteThread.open(file, ['journal_mode = WAL', 'synchronous = FULL']);
    await thread.query('create table t (id integer primary key, v text not null)', []);
    driver = new SplitDriver(thread, new SQLite(file, { readonly: true }));
    db = new Kysely<T>({ dialect: sqliteDialect(driver) });
  });
  after(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const values = async () => (await db.selectFrom('t').select(['id', 'v']).orderBy('id').execute()).map((r) => `${r.id}:${r.v}`);

  it('runs a script as one transaction: a failing statement leaves nothing of it, with SQLite\'s error code', async () => {
    await db.deleteFrom('t').execute();
    await assert.rejects(driver.transactAtOnce([q('insert into t values (1, ?)', 'a'), q('insert into t values (2, null)')]), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'SQLITE_CONSTRAINT_NOTNULL');
      return true;
    });
    assert.deepEqual(await values(), []);
  });

  it('posts the next script without waiting for the answer to the one before', async () => {
    await db.deleteFrom('t').execute();
    const first = driver.transactAtOnce([q('insert into t values (1, ?)', 'a')]);
    const second = driver.transactAtOnce([q("update t set v = v || 'b' where id = 1")]);
    // Only microtasks run here: no answer from the thread can arrive meanwhile.
    for (let i = 0; i < 50 && thread.waiting < 2; i++) await null;
    assert.equal(thread.waiting, 2, 'both scripts are in the thread\'s queue');
    await Promise.all([first, second]);
    assert.deepEqual(await values(), ['1:ab']);
  });

  it('runs a transaction begun after scripts were posted after them, and a failed script does not stop what follows', async () => {
    await db.deleteFrom('t').execute();
    const inserted = driver.transactAtOnce([q('insert into t values (1, ?)', 'a')]);
    const failed = driver.transactAtOnce([q("update t set v = v || 'x' where id = 1"), q('insert into t values (1, ?)', 'dup')]);
    // Begun before either script was answered: its statements queue behind both.
    const seen = db.transaction().execute(async (tx) => {
      await tx.updateTable('t').set({ v: sql<string>`v || 'b'` }).where('id', '=', 1).execute();
      return (await tx.selectFrom('t').select('v').where('id', '=', 1).executeTakeFirstOrThrow()).v;
    });
    await assert.rejects(failed, /UNIQUE/);
    await inserted;
    assert.equal(await seen, 'ab', 'the first script committed, the failed one left nothing');
    await driver.transactAtOnce([q("update t set v = v || 'c' where id = 1")]);
    assert.deepEqual(await values(), ['1:abc']);
  });

  it('commits the scripts that waited in the thread together, each all or nothing', async () => {
    await db.deleteFrom('t').execute();
    // A statement of its own keeps the thread busy long enough for the scripts to queue behind it.
    const answers = await Promise.allSettled([
      thread.query(SLOW_INSERT, []), // not a script: no shared count
      thread.script([q('insert into t values (2, ?)', 'b')]),
      thread.script([q('insert into t values (3, ?)', 'c'), q('insert into t values (2, ?)', 'dup')]),
      thread.script([q('insert into t values (4, ?)', 'd')]),
    ]);
    const shared = answers.map((a) => (a.status === 'fulfilled' ? a.value.shared : (a.reason as Error).message));
    assert.deepEqual(shared, [undefined, 3, 'UNIQUE constraint failed: t.id', 3], 'the three that queued shared one transaction; the failed one was answered with its error');
    assert.deepEqual(await values(), ['1:3000000', '2:b', '4:d'], 'the failed script left nothing, the others of its transaction committed');
  });

  it('keeps a script that arrives during a transaction for the next one', async () => {
    await db.deleteFrom('t').execute();
    const slow = thread.script([q(SLOW_INSERT)]);
    // Posted while the slow script runs (a few hundred ms), not waiting when it began.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const late = thread.script([q('insert into t values (2, ?)', 'b')]);
    assert.deepEqual([(await slow).shared, (await late).shared], [1, 1], 'each its own transaction: grouping it would make the load one convoy');
    assert.deepEqual(await values(), ['1:3000000', '2:b']);
  });

  it('fails every script of a transaction that an error ended, and runs a queued transaction after them', async () => {
    await db.deleteFrom('t').execute();
    const first = thread.query(SLOW_INSERT, []);
    const doomed = [thread.script([q('insert into t values (2, ?)', 'b')]), thread.script([q('rollback')])];
    const after = db.transaction().execute((tx) => tx.insertInto('t').values({ id: 5, v: 'e' }).execute());
    await first;
    const settled = await Promise.allSettled(doomed);
    assert.deepEqual(settled.map((s) => s.status), ['rejected', 'rejected'], 'a script whose transaction was rolled back under it is not answered as committed');
    await after;
    assert.deepEqual(await values(), ['1:3000000', '5:e']);
  });

  it('answers a script whose BEGIN is refused (another connection holds the write lock) with the error, and goes on', async () => {
    await db.deleteFrom('t').execute();
    const other = new SQLite(path.join(dir, 'x.sqlite'));
    other.exec('begin immediate');
    try {
      await assert.rejects(thread.script([q('insert into t values (1, ?)', 'a')]), (err: Error & { code?: string }) => err.code === 'SQLITE_BUSY');
    } finally {
      other.exec('rollback');
      other.close();
    }
    await driver.transactAtOnce([q('insert into t values (2, ?)', 'b')]);
    assert.deepEqual(await values(), ['2:b']);
  });
});

describe('SQLite thread: the WAL file is bounded', () => {
  const limitBytes = 256 * 1024;
  /** ~16 KB of WAL (a leaf and two overflow pages). */
  const bigRow = q('insert into b (v) values (randomblob(8000))');

  async function withThread(work: (thread: SqliteThread, file: string, wal: WalBound) => Promise<void>): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-wal-'));
    const file = path.join(dir, 'w.sqlite');
    const wal = walBound(limitBytes);
    // No autocheckpoint: without the bound, nothing would ever start the WAL over.
    const thread = await SqliteThread.open(file, ['journal_mode = WAL', 'synchronous = FULL', 'wal_autocheckpoint = 0'], wal);
    try {
      await thread.query('create table b (id integer primary key, v blob not null)', []);
      await work(thread, file, wal);
    } finally {
      await thread.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  function rows(file: string): number {
    const reader = new SQLite(file, { readonly: true });
    try {
      return (reader.prepare('select count(*) as n from b').get() as { n: number }).n;
    } finally {
      reader.close();
    }
  }

  it('alone (no checkpointer), starts the WAL over at twice its limit, and writes the file again from the start', async () => {
    await withThread(async (thread, file) => {
      let largest = 0;
      let startedOver = false;
      for (let i = 0; i < 200; i++) {
        await thread.script([bigRow]);
        const size = fs.statSync(`${file}-wal`).size;
        // The transaction that starts the WAL over cuts its file back to the limit, no further.
        if (size < largest) startedOver = size === limitBytes;
        largest = Math.max(largest, size);
      }
      // The transaction that passes twice the limit adds its frames; the next one checkpoints first.
      assert.ok(largest <= 2 * limitBytes + 64 * 1024, `the WAL file reached ${largest} bytes (3.2 MB unbounded)`);
      assert.ok(largest > 2 * limitBytes, "without the checkpointer's word, it waited past the limit");
      assert.ok(startedOver, 'the WAL started over, its file kept at the limit');
      assert.equal(rows(file), 200);
    });
  });

  it('with a checkpointer, starts the WAL over just past its limit once the checkpointer has synced the database file', async () => {
    await withThread(async (thread, file, wal) => {
      const checkpointer = startCheckpointer(file, () => assert.fail('the checkpointer thread failed'), wal);
      const walSize = () => fs.statSync(`${file}-wal`).size;
      try {
        while (walSize() <= limitBytes) await thread.script([bigRow]);
        // Past the limit: the checkpointer's word comes within a round (200 ms).
        for (let waited = 0; Atomics.load(wal.synced, 0) === 0 && waited < 3000; waited += 10) await new Promise((r) => setTimeout(r, 10));
        assert.equal(Atomics.load(wal.synced, 0), 1, 'the checkpointer said the database file was synced');
        // The next transaction checkpoints and starts the WAL over (or the one after, should
        // it meet a checkpoint of the checkpointer's under way).
        for (let i = 0; i < 20 && Atomics.load(wal.synced, 0) === 1; i++) await thread.script([bigRow]);
        assert.equal(Atomics.load(wal.synced, 0), 0, 'the SQLite thread took the word');
        assert.equal(walSize(), limitBytes, 'the WAL started over, its file cut back to the limit');
      } finally {
        // The checkpointer after the database's other connections (startCheckpointer).
        await thread.close();
        await checkpointer.stop();
      }
      assert.ok(rows(file) > limitBytes / 16384);
    });
  });
});
