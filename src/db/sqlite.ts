// SQLite: the pragmas (durability, page size), the serving connection in its thread with a
// read-only connection beside it, or one plain connection for commands; a statement cache.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, SqliteDialect, sql } from 'kysely';
import type { Driver, SqliteDatabase, SqliteStatement } from 'kysely';
import { startCheckpointer } from './checkpointer.ts';
import type { Checkpointer } from './checkpointer.ts';
import { SplitDriver, SqliteThread, walBound } from './sqlite-thread.ts';
import { sqliteDialect } from './sqlite-dialect.ts';
import { readOnMainThread } from './fixed-statements.ts';
import type { Database } from './schema.ts';

export interface SqliteOptions {
  /**
   * SQLite, for serving processes: the connection in a worker thread (sqlite-thread.ts), so
   * that statements and commits do not stop the event loop, and WAL checkpoints in another
   * (checkpointer.ts) instead of inside commits.
   */
  serving?: boolean;
}

export interface SqliteEngine {
  db: Kysely<Database>;
  /** The database file, resolved. */
  file: string;
  /** Serving connections only: see Store.transactAtOnce. */
  transactAtOnce: ((statements: readonly CompiledQuery[]) => Promise<void>) | undefined;
  /** Serving connections only: the WAL checkpoints' thread. */
  checkpointer: Checkpointer | undefined;
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
/**
 * The serving WAL's bound (SqliteThread's boundWal): past 1 GiB the WAL starts over, its file
 * written again from the start. Each start pauses the SQLite thread for a short checkpoint,
 * once per GiB written (docs/performance.md).
 */
const SERVING_WAL_LIMIT_BYTES = 1024 * 1024 * 1024;
const SQLITE_PRAGMAS = [`page_size = ${SQLITE_PAGE_SIZE}`, 'journal_mode = WAL', 'synchronous = FULL', 'foreign_keys = ON', SQLITE_BUSY_TIMEOUT, 'temp_store = MEMORY'];

export async function openSqlite(database: string, options: SqliteOptions = {}): Promise<SqliteEngine> {
  const file = path.resolve(database);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let db: Kysely<Database>;
  let checkpointer: Checkpointer | undefined;
  let transactAtOnce: SqliteEngine['transactAtOnce'];
  if (options.serving) {
    const wal = walBound(SERVING_WAL_LIMIT_BYTES);
    const thread = await SqliteThread.open(file, [...SQLITE_PRAGMAS, 'wal_autocheckpoint = 0'], wal);
    let reader: SQLite.Database;
    try {
      reader = new SQLite(file, { readonly: true });
      reader.pragma(SQLITE_BUSY_TIMEOUT);
    } catch (err) {
      await thread.close();
      throw err;
    }
    const cached = withStatementCache(reader);
    const driver = new SplitDriver(thread, cached);
    db = new Kysely<Database>({ dialect: sqliteDialect(driver) });
    readOnMainThread(db, (text, parameters) => cached.prepare(text).all(parameters));
    transactAtOnce = (statements) => driver.transactAtOnce(statements);
    checkpointer = startCheckpointer(file, () => void sql`pragma wal_autocheckpoint = 1000`.execute(db).catch(() => {}), wal);
  } else {
    // Commands (migrations, imports) write in bulk from one caller: no thread to cross.
    const conn = new SQLite(file);
    for (const pragma of SQLITE_PRAGMAS) conn.pragma(pragma);
    db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(conn) }) });
  }
  return { db, file, transactAtOnce, checkpointer };
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
