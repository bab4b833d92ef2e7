// The SQLite connection of a serving process lives in a worker thread. better-sqlite3 is
// synchronous: on the main thread every write statement, and the fsync of every commit,
// would stop the event loop, so no request could be read, decoded or checked meanwhile.
// Here writes and transactions go to the thread as messages (a message costs ~55 µs round
// trip, so a ClientUpdate batch sends its whole write as one: transactAtOnce), while reads
// outside transactions run at once on a read-only connection of the main thread (WAL: it
// sees every commit and never waits for the writer). Durability is unchanged: a commit
// resolves only after SQLite returned from it.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { CompiledQuery, SelectQueryNode } from 'kysely';
import type { DatabaseConnection, Driver, QueryResult, SqliteDatabase } from 'kysely';

// The thread's code: plain JavaScript (a worker gets no TypeScript loader), evaluated as
// CommonJS, so that it runs the same from the sources and from the bundle (bin/bundle.js).
const WORKER = `
'use strict';
const fs = require('node:fs');
const { parentPort, workerData, receiveMessageOnPort } = require('node:worker_threads');
const Database = require(workerData.driver);

let conn;
try {
  conn = new Database(workerData.file);
  for (const pragma of workerData.pragmas) conn.pragma(pragma);
  // After the WAL starts over, its file is written again from the start, not cut back:
  // cutting a 1 GiB file back took ~300 ms, and the pages cut were allocated again.
  if (workerData.wal) conn.pragma('journal_size_limit = ' + workerData.wal.limitBytes);
  parentPort.postMessage({ ready: true });
} catch (err) {
  parentPort.postMessage({ ready: false, error: describe(err) });
  process.exit(1);
}

// Kysely prepares every query anew; preparing costs about as much as running, so
// statements are kept by their SQL text (least recently used dropped past MAX).
const MAX = 500;
const cache = new Map();
function prepare(text) {
  let stmt = cache.get(text);
  if (stmt) cache.delete(text);
  else stmt = conn.prepare(text);
  cache.set(text, stmt);
  if (cache.size > MAX) cache.delete(cache.keys().next().value);
  return stmt;
}

function describe(err) {
  return { name: err && err.name, message: String((err && err.message) || err), code: err && err.code };
}

// The WAL starts over only when a write transaction begins with all of it checkpointed.
// The checkpoints run on a thread of their own (checkpointer.ts), but while this thread
// commits back to back a commit always lands between a checkpoint and the next BEGIN, and
// the WAL would grow without end (~70 MB a second at full load). Past wal.limitBytes this
// thread checkpoints the rest itself before it begins, and that transaction starts the WAL
// over. That checkpoint ends with an fsync of the database file, which would wait for every
// page the checkpointer wrote since the last start (~120 ms at 1 GiB): so it waits for the
// checkpointer's word (wal.synced) that the file is synced up to a moment ago, and goes
// ahead without it only at twice the limit (no checkpointer, or a stopped one). A checkpoint
// that could not finish (the checkpointer's running, a reader on an older snapshot, an
// error) leaves the WAL as it was, and the next transaction tries again.
const walFile = workerData.file + '-wal';
function boundWal() {
  const wal = workerData.wal;
  if (!wal) return;
  try {
    const size = fs.statSync(walFile).size;
    if (size <= wal.limitBytes || (Atomics.load(wal.synced, 0) === 0 && size <= 2 * wal.limitBytes)) return;
    const [done] = conn.pragma('wal_checkpoint(PASSIVE)');
    if (done.busy === 0 && done.log === done.checkpointed) Atomics.store(wal.synced, 0, 0);
  } catch {
    // No WAL file yet, or the checkpoint failed: nothing to do before this transaction.
  }
}

function execute(sql, params) {
  const stmt = prepare(sql);
  if (stmt.reader) return { rows: stmt.all(params) };
  const { changes, lastInsertRowid } = stmt.run(params);
  return { changes, lastInsertRowid };
}

// Scripts (whole write transactions, one message each) that are waiting in the thread's
// queue when a transaction begins share it and so one fsync, each in a savepoint of its own:
// a script that fails leaves nothing of itself and is answered with its error, the others
// commit. Every script is answered only after the COMMIT returned. A message that is not a
// script ends the group; it runs after the COMMIT, as it was queued. A script that arrives
// during the transaction waits for the next one: added, it would make the whole load one
// convoy again (BatchQueueOptions.halves in src/lib/batch-queue.ts).
function runScripts(first) {
  const group = [first];
  const answers = [];
  let next;
  for (let queued = receiveMessageOnPort(parentPort); queued; queued = receiveMessageOnPort(parentPort)) {
    if (!(queued.message && queued.message.script)) {
      next = queued.message;
      break;
    }
    group.push(queued.message);
  }
  boundWal();
  try {
    // Inside the try: a BEGIN refused (another process holds the write lock past busy_timeout) is the script's error.
    conn.exec('begin immediate');
    for (const q of group) {
      conn.exec('savepoint script');
      try {
        for (const s of q.script) execute(s.sql, s.params);
        conn.exec('release script');
        answers.push({ id: q.id, changes: 0, shared: group.length });
      } catch (err) {
        // An error that ended the whole transaction (SQLITE_FULL, I/O) fails every script of it.
        if (!conn.inTransaction) throw err;
        conn.exec('rollback to script');
        conn.exec('release script');
        answers.push({ id: q.id, error: describe(err) });
      }
    }
    conn.exec('commit');
  } catch (err) {
    try {
      if (conn.inTransaction) conn.exec('rollback');
    } catch {
      // The error that ended the transaction is the one to tell.
    }
    const error = describe(err);
    for (const q of group) parentPort.postMessage({ id: q.id, error });
    return next;
  }
  for (const a of answers) parentPort.postMessage(a);
  return next;
}

function run(q) {
  if (q.rollback) {
    // SQLite may have rolled back already (an error that ends the transaction).
    if (conn.inTransaction) conn.exec('rollback');
    return { id: q.id, changes: 0 };
  }
  if (!conn.inTransaction) boundWal();
  // A transaction's BEGIN travels with its first statement: one round trip less.
  if (q.begin) conn.exec('begin immediate');
  return { id: q.id, ...execute(q.sql, q.params) };
}

function handle(q) {
  while (q && q.script) q = runScripts(q);
  if (q === undefined) return;
  if (q === 'close') {
    // The last connection to close checkpoints what is left in the WAL.
    conn.close();
    parentPort.close();
    return;
  }
  let answer;
  try {
    answer = run(q);
  } catch (err) {
    answer = { id: q.id, error: describe(err) };
  }
  parentPort.postMessage(answer);
}

parentPort.on('message', handle);
`;

interface Answer {
  id: number;
  rows?: Record<string, unknown>[];
  changes?: number;
  lastInsertRowid?: number | bigint;
  /** A committed script: how many scripts shared its transaction (itself included). */
  shared?: number;
  error?: { name?: string; message: string; code?: string };
}

/**
 * The serving WAL's bound (the thread's boundWal): past limitBytes the WAL starts over.
 * `synced[0]` is 1 while the checkpointer (checkpointer.ts) has just checkpointed and synced
 * the database file, so that the checkpoint that starts the WAL over is short.
 */
export interface WalBound {
  limitBytes: number;
  /** Shared by the SQLite thread and the checkpointer (a SharedArrayBuffer). */
  synced: Int32Array;
}

export function walBound(limitBytes: number): WalBound {
  return { limitBytes, synced: new Int32Array(new SharedArrayBuffer(4)) };
}

/** An SQLite error raised in the thread, with its name and code (SQLITE_BUSY, …) kept. */
function rebuild(error: NonNullable<Answer['error']>): Error {
  const err = new Error(error.message) as Error & { code?: string };
  if (error.name) err.name = error.name;
  if (error.code !== undefined) err.code = error.code;
  return err;
}

/** The code of every error of a store whose SQLite thread has stopped (driverError in errors.ts: unavailable). */
export const THREAD_STOPPED = 'LCM_SQLITE_THREAD_STOPPED';

export class SqliteThread {
  private readonly pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failure: Error | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (a: Answer) => {
      const waiter = this.pending.get(a.id);
      if (!waiter) return;
      this.pending.delete(a.id);
      // Unreferenced while idle: an open store alone must not keep a process alive.
      if (this.pending.size === 0) worker.unref();
      if (a.error) waiter.reject(rebuild(a.error));
      else waiter.resolve(a);
    });
    const fail = (err: Error) => {
      this.failure = err;
      for (const w of this.pending.values()) w.reject(err);
      this.pending.clear();
    };
    // Whatever stopped the thread, what is asked of it from now on fails as an outage (503,
    // /health unavailable), not as a defect: the database cannot be reached by this process.
    const stopped = (reason: string) => Object.assign(new Error(`the SQLite thread has stopped: ${reason}`), { code: THREAD_STOPPED });
    worker.on('error', (err) => fail(stopped(err.message)));
    this.exited = new Promise((resolve) =>
      worker.once('exit', (code) => {
        fail(this.failure ?? stopped(`exit code ${code}`));
        resolve();
      }),
    );
  }

  /**
   * Opens `file` in a new thread and runs `pragmas` on it; rejects when it cannot be opened.
   * `wal`: start the WAL over once it passes limitBytes (WalBound).
   */
  static async open(file: string, pragmas: readonly string[], wal?: WalBound): Promise<SqliteThread> {
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file, pragmas, wal },
      // Its garbage is short-lived messages and rows: a small young generation is enough,
      // and keeps the serving process's footprint down.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
    const ready = await new Promise<{ ready: boolean; error?: Answer['error'] }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    if (!ready.ready) {
      await worker.terminate();
      throw rebuild(ready.error ?? { message: `cannot open ${file}` });
    }
    worker.unref();
    return new SqliteThread(worker);
  }

  /** Messages sent and not answered yet. */
  get waiting(): number {
    return this.pending.size;
  }

  /** Runs one statement; `begin`: BEGIN IMMEDIATE first. */
  query(sql: string, params: readonly unknown[], begin = false): Promise<Answer> {
    return this.send({ sql, params, begin });
  }

  /** Runs the statements in one transaction (BEGIN IMMEDIATE … COMMIT), in one message. */
  script(statements: readonly CompiledQuery[]): Promise<Answer> {
    return this.send({ script: statements.map((q) => ({ sql: q.sql, params: q.parameters })) });
  }

  /** Rolls back the transaction if one is open. */
  rollback(): Promise<Answer> {
    return this.send({ rollback: true });
  }

  private send(message: object): Promise<Answer> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message });
    });
  }

  /** Closes the connection (checkpointing what is left in the WAL) and ends the thread. */
  async close(): Promise<void> {
    if (!this.failure) {
      this.worker.ref();
      this.worker.postMessage('close');
    }
    await this.exited;
  }
}

/**
 * Where a query runs. Outside a transaction a kysely SELECT runs at once on the main
 * thread's read-only connection (WAL: it sees every commit and never waits for the
 * writer); everything else runs on the thread's connection, one caller at a time.
 */
class SplitConnection implements DatabaseConnection {
  /** Holds the thread's connection: begun a transaction (its BEGIN maybe not yet sent). */
  inTransaction = false;
  beginPending = false;

  constructor(private readonly driver: SplitDriver) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    if (!this.inTransaction) {
      if (SelectQueryNode.is(compiled.query)) return { rows: this.driver.reader.prepare(compiled.sql).all(compiled.parameters) as R[] };
      return toResult(await this.driver.exclusive(() => this.driver.thread.query(compiled.sql, compiled.parameters)));
    }
    const begin = this.beginPending;
    this.beginPending = false;
    return toResult(await this.driver.thread.query(compiled.sql, compiled.parameters, begin));
  }

  async *streamQuery<R>(compiled: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    yield await this.executeQuery<R>(compiled);
  }
}

function toResult<R>(a: Answer): QueryResult<R> {
  if (a.rows) return { rows: a.rows as R[] };
  return {
    numAffectedRows: a.changes === undefined ? undefined : BigInt(a.changes),
    insertId: a.lastInsertRowid === undefined ? undefined : BigInt(a.lastInsertRowid),
    rows: [],
  };
}

/** Kysely's driver over a connection in a worker thread and a reader on the main thread (use with sqliteDialect). */
export class SplitDriver implements Driver {
  private locked: Promise<void> | undefined;
  private readonly releases = new WeakMap<SplitConnection, () => void>();

  constructor(
    readonly thread: SqliteThread,
    readonly reader: SqliteDatabase,
  ) {}

  async init(): Promise<void> {}

  /** Waits for the thread's connection; the result gives it back. */
  async lock(): Promise<() => void> {
    while (this.locked) await this.locked;
    let release!: () => void;
    this.locked = new Promise((resolve) => (release = resolve));
    return () => {
      this.locked = undefined;
      release();
    };
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new SplitConnection(this);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const release = this.releases.get(connection as SplitConnection);
    this.releases.delete(connection as SplitConnection);
    release?.();
  }

  // Every transaction here writes: BEGIN IMMEDIATE takes the write lock at once (see
  // ImmediateSqliteDialect). It is sent with the transaction's first statement.
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as SplitConnection;
    this.releases.set(c, await this.lock());
    c.inTransaction = true;
    c.beginPending = true;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as SplitConnection;
    if (c.beginPending) c.beginPending = false; // nothing was run: nothing to commit
    else await c.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as SplitConnection;
    if (c.beginPending) c.beginPending = false;
    else await this.thread.rollback();
  }

  /** `work` alone on the thread's connection (no transaction of another caller around it). */
  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.lock();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /**
   * Statements that need no answer in between, as one transaction in one message. The lock
   * is held only while the message is posted: the thread runs messages in order, so a
   * transaction begun later runs after this one, and the next script can wait in the
   * thread's queue instead of for a round trip through the event loop (there the scripts
   * that wait together share one transaction: runScripts in the thread's code).
   */
  async transactAtOnce(statements: readonly CompiledQuery[]): Promise<void> {
    const release = await this.lock();
    let done: Promise<Answer>;
    try {
      done = this.thread.script(statements);
    } finally {
      release();
    }
    await done;
  }

  async destroy(): Promise<void> {
    this.reader.close();
    await this.thread.close();
  }
}
