// Opens the store chosen by the database setting: a file path → SQLite (better-sqlite3),
// a postgres:// URL → PostgreSQL (pg). Both hand back the same Kysely<Database>.
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { CompiledQuery, Kysely, SqliteDialect, sql } from 'kysely';
import type { Driver, SqliteDatabase, SqliteStatement } from 'kysely';
import { GroupCommitter } from './group-commit.ts';
import { startCheckpointer } from './checkpointer.ts';
import type { Checkpointer } from './checkpointer.ts';
import { SplitDriver, SqliteThread } from './sqlite-thread.ts';
import { sqliteDialect } from './sqlite-dialect.ts';
import { StatementSender } from './pg-statements.ts';
import { TransactionLockPostgresDialect } from './migration-lock.ts';
import type { TxWork } from './group-commit.ts';
import { BatchStats } from './batch-queue.ts';
import type { Database } from './schema.ts';
import { isPostgresUrl } from '../config.ts';

export type Engine = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  /** The SQLite file, absent on PostgreSQL. */
  readonly file: string | undefined;
  /**
   * Runs write work in a transaction. On SQLite concurrent calls are group-committed (one
   * transaction and one fsync for many, each in its own savepoint); on PostgreSQL each call
   * is its own transaction on the pool. Resolves only after the commit. `weight`: how many
   * requests the work carries (group-commit counters), 1 by default.
   */
  transact<T>(work: TxWork<T>, weight?: number): Promise<T>;
  /** Group-commit counters: batches committed, requests in them, the largest batch. */
  readonly groupCommit: BatchStats;
  /**
   * SQLite serving stores: runs statements that need no answer in between as one transaction
   * in one round trip to the connection's thread (see recordStatements). Resolves after the commit.
   */
  readonly transactAtOnce?: (statements: readonly CompiledQuery[]) => Promise<void>;
  close(): Promise<void>;
}

const PG_INT8 = 20;
const PG_DATE = 1082;
const PG_TIMESTAMPTZ = 1184;

// int8 values this service keeps (phones, card numbers, ids) stay below 2^53; anything
// larger would be silently rounded, so refuse it loudly instead.
function parseInt8(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value out of the safe range: ${value}`);
  return n;
}

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === PG_INT8) return parseInt8;
    // Calendar dates stay 'YYYY-MM-DD': a JS Date would shift them by the server's zone.
    if (oid === PG_DATE) return (v: string) => v;
    if (oid === PG_TIMESTAMPTZ) return (v: string) => new Date(v).toISOString();
    return pg.types.getTypeParser(oid, format as 'text');
  },
} as pg.CustomTypesConfig;

export interface OpenOptions {
  /** PostgreSQL pool size. */
  poolSize?: number;
  /**
   * PostgreSQL: longest wait for a connection (a free pool slot or a new connection), ms;
   * past it the query fails and the request answers 503. Default 2000.
   */
  connectTimeoutMs?: number;
  /**
   * PostgreSQL: statement_timeout of the pool's transactions, ms (0 or absent = none), set
   * with SET LOCAL in each (pg-statements.ts), so that it holds through a pooler too. The
   * server sets it for serving processes; commands (migrations, imports) run unbounded.
   */
  statementTimeoutMs?: number;
  /** PostgreSQL: told once when the connection refused a named prepared statement (pg-statements.ts). */
  onPreparedRefused?: (err: unknown) => void;
  /**
   * SQLite, for serving processes: the connection in a worker thread (sqlite-thread.ts), so
   * that statements and commits do not stop the event loop, and WAL checkpoints in another
   * (checkpointer.ts) instead of inside commits.
   */
  serving?: boolean;
  /** PostgreSQL: registered statements go as named prepared statements (prepared.ts). Default true. */
  preparedStatements?: boolean;
}

/**
 * Durability: every acknowledged commit is on disk (WAL + synchronous=FULL). Statement
 * journals (a multi-row UPDATE under constraints keeps one) stay in memory: as temporary
 * files they cost a create, write and unlink per transaction.
 */
const SQLITE_BUSY_TIMEOUT = 'busy_timeout = 5000';
/**
 * A commit writes every page it changed to the WAL, and a ClientUpdate changes a few pages
 * at random places (the participant's row, its phone's index entries, history and event
 * indexes): 2 KiB pages halve those bytes against the default 4 KiB (~25% more updates/s on
 * SQLite, docs/performance.md). It only takes effect on a new database, so it comes before
 * journal_mode, which writes the first page.
 */
export const SQLITE_PAGE_SIZE = 2048;
const SQLITE_PRAGMAS = [`page_size = ${SQLITE_PAGE_SIZE}`, 'journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON', SQLITE_BUSY_TIMEOUT, 'temp_store = MEMORY'];

/** Default of OpenOptions.connectTimeoutMs. */
export const PG_CONNECT_TIMEOUT_MS = 2000;

/** A serving connection may stay silent this much longer than statement_timeout. */
export const PG_SILENCE_MARGIN_MS = 5000;

/**
 * A socket for pg that destroys itself after `ms` without traffic from the database. Idle
 * pooled clients are also closed by the pool (idleTimeoutMillis, 10 s); a query in flight gets an
 * answer within statement_timeout; so silence past that means the peer is gone, and
 * the query fails ("Connection terminated…", answered 503) instead of hanging.
 */
function silenceBoundedSocket(ms: number): net.Socket {
  const socket = new net.Socket();
  // Only what the database sends counts: a query written to a dead connection must not
  // extend its life (socket.setTimeout would count writes too, so a pool handing dead
  // connections out one after another would keep each alive for another `ms`).
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => socket.destroy(new Error(`Connection terminated: no traffic from the database for ${ms} ms`)), ms);
    timer.unref();
  };
  socket.on('connect', arm);
  socket.on('data', arm);
  socket.on('close', () => clearTimeout(timer));
  return socket;
}

export async function openStore(database: string, options: OpenOptions = {}): Promise<Store> {
  if (isPostgresUrl(database)) {
    // No session settings as startup parameters: a pooler refuses them, and would not keep them.
    const timeout = options.statementTimeoutMs ?? 0;
    const sender = new StatementSender({
      statementTimeoutMs: timeout,
      // Locks of a transaction whose process stopped talking are freed by the server.
      idleInTransactionTimeoutMs: timeout ? Math.max(60_000, 3 * timeout) : 0,
      prepared: options.preparedStatements !== false,
      onPreparedRefused: options.onPreparedRefused,
    });
    const pool = new pg.Pool({
      connectionString: database,
      types: pgTypes,
      max: options.poolSize ?? 10,
      // A dead or unreachable server must fail requests fast (503), not queue them.
      connectionTimeoutMillis: options.connectTimeoutMs ?? PG_CONNECT_TIMEOUT_MS,
      // Notice a peer that vanished without closing the connection.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // With statements bounded, a connection silent for longer is dead (a server or
      // network gone without a word): drop it rather than wait minutes for TCP.
      ...(timeout ? { stream: () => silenceBoundedSocket(timeout + PG_SILENCE_MARGIN_MS) } : {}),
    });
    // An idle client that loses its server must not crash the process.
    pool.on('error', () => {});
    // Nor one that is checked out (pg-pool listens only while a client is idle): a session
    // ended between two queries of a transaction (pg_terminate_backend, a restart) emits
    // 'error' on the client. Its next query fails, and the pool drops it on release.
    pool.on('connect', (client) => {
      client.on('error', () => {});
      sender.adapt(client);
    });
    const db = new Kysely<Database>({ dialect: new TransactionLockPostgresDialect({ pool }) });
    return {
      db,
      engine: 'postgres',
      file: undefined,
      transact: (work) => db.transaction().execute(work),
      groupCommit: new BatchStats(),
      close: () => db.destroy(),
    };
  }
  const file = path.resolve(database);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Kysely<Database>;
  let checkpointer: Checkpointer | undefined;
  let transactAtOnce: Store['transactAtOnce'];
  if (options.serving) {
    const thread = await SqliteThread.open(file, [...SQLITE_PRAGMAS, 'wal_autocheckpoint = 0']);
    let reader: SQLite.Database;
    try {
      reader = new SQLite(file, { readonly: true });
      reader.pragma(SQLITE_BUSY_TIMEOUT);
    } catch (err) {
      await thread.close();
      throw err;
    }
    const driver = new SplitDriver(thread, withStatementCache(reader));
    db = new Kysely<Database>({ dialect: sqliteDialect(driver) });
    transactAtOnce = (statements) => driver.transactAtOnce(statements);
    checkpointer = startCheckpointer(file, () => void sql`pragma wal_autocheckpoint = 1000`.execute(db).catch(() => {}));
  } else {
    // Commands (migrations, imports) write in bulk from one caller: no thread to cross.
    const conn = new SQLite(file);
    for (const pragma of SQLITE_PRAGMAS) conn.pragma(pragma);
    db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(conn) }) });
  }
  const committer = new GroupCommitter(db);
  return {
    db,
    engine: 'sqlite',
    file,
    transact: (work, weight) => committer.run(work, weight),
    groupCommit: committer.stats,
    transactAtOnce,
    close: async () => {
      await committer.idle();
      await checkpointer?.stop();
      // The last connection to close checkpoints what is left in the WAL.
      await db.destroy();
    },
  };
}

/**
 * Every transaction here writes, so it takes the write lock when it begins (BEGIN
 * IMMEDIATE, waiting up to busy_timeout). With kysely's plain BEGIN, a transaction that
 * read first would fail at once with SQLITE_BUSY when another process (a second worker, an
 * import) wrote meanwhile, instead of waiting its turn.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}

/**
 * Kysely prepares every query anew; on SQLite preparing costs about as much as running.
 * Statements are kept by their SQL text (least recently used dropped past `max`).
 */
function withStatementCache(conn: SQLite.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => conn.close(),
    prepare(text: string): SqliteStatement {
      let stmt = cache.get(text);
      if (stmt) cache.delete(text);
      else stmt = conn.prepare(text);
      cache.set(text, stmt);
      if (cache.size > max) cache.delete(cache.keys().next().value!);
      return stmt;
    },
  };
}

/** True when the database answers a trivial query. */
export async function ping(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
