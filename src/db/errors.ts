// The one reader of driver errors (better-sqlite3, pg, the connection's sockets, the SQLite
// thread): everything else asks driverError() what an error means, never reads its code.
//
// Unavailable: the database cannot serve now rather than this request being wrong; the HTTP
// layer answers 503 with Retry-After (the caller should retry), never 500. Covers a
// PostgreSQL that is down, restarting, unreachable or out of connections, a connection cut
// under a query, a pool that cannot hand out a connection in time, a statement cancelled by
// statement_timeout, and an SQLite file that stays locked, is full or became read-only, or
// whose connection thread has stopped.

import { THREAD_STOPPED } from './sqlite-thread.ts';
import { DATABASE_TIMEOUT } from './deadline.ts';
export type Unavailability = 'unreachable' | 'busy' | 'timeout';

// SQLSTATE classes and codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const PG_UNREACHABLE_CLASSES = ['08']; // connection exception
const PG_UNREACHABLE = new Set([
  '57P01', // admin_shutdown (pg_terminate_backend, fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovery)
  '57P05', // idle_session_timeout
  '25006', // read_only_sql_transaction (a standby after failover)
  '3D000', // invalid_catalog_name: the database is gone
]);
const PG_BUSY = new Set([
  '53000', // insufficient_resources
  '53100', // disk_full
  '53200', // out_of_memory
  '53300', // too_many_connections
  '57014', // query_canceled (statement_timeout)
  '55P03', // lock_not_available (lock_timeout)
]);

const NODE_NET = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);

// node-postgres and pg-pool report these without a code.
const PG_CLIENT_MESSAGES = [
  /^Connection terminated/i, // "… unexpectedly", "… due to connection timeout"
  /timeout exceeded when trying to connect/i,
  /is not queryable/i, // a client that already saw a connection error, or was closed
  /^Cannot use a pool after calling end/i,
  /^Query read timeout/i,
];

const SQLITE_BUSY = /^SQLITE_(BUSY|LOCKED)/;
const SQLITE_UNAVAILABLE = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|NOLFS|CORRUPT|NOTADB)/;

function classifyOne(err: unknown): Unavailability | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code === DATABASE_TIMEOUT) return 'timeout';
    if (code === THREAD_STOPPED) return 'unreachable';
    if (PG_BUSY.has(code) || SQLITE_BUSY.test(code)) return 'busy';
    if (PG_UNREACHABLE.has(code) || NODE_NET.has(code) || SQLITE_UNAVAILABLE.test(code)) return 'unreachable';
    if (/^[0-9A-Z]{5}$/.test(code) && PG_UNREACHABLE_CLASSES.includes(code.slice(0, 2))) return 'unreachable';
  }
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string' && PG_CLIENT_MESSAGES.some((re) => re.test(message))) return 'unreachable';
  return undefined;
}

/** 'unreachable', 'busy' or 'timeout' when `err` (or an error it wraps) means the database cannot serve now. */
export function databaseUnavailability(err: unknown, depth = 0): Unavailability | undefined {
  if (depth > 4 || typeof err !== 'object' || err === null) return undefined;
  const own = classifyOne(err);
  if (own) return own;
  const { cause, errors } = err as { cause?: unknown; errors?: unknown };
  if (cause !== undefined) {
    const found = databaseUnavailability(cause, depth + 1);
    if (found) return found;
  }
  // net.connect to a host name with several addresses fails with an AggregateError.
  if (Array.isArray(errors)) {
    for (const e of errors) {
      const found = databaseUnavailability(e, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

/** What a driver error means to its caller. */
export type DriverError =
  /**
   * A unique index refused the write. `constraint` names it: the constraint's name on
   * PostgreSQL, SQLite's message listing its columns ('… failed: cards.number') on SQLite.
   */
  | { kind: 'unique-violation'; constraint: string }
  /**
   * A batch write found a participant changed since the batch read it: the write's version
   * check yields NULL for the NOT NULL column participants.version and aborts the statement.
   */
  | { kind: 'stale-write' }
  /** PostgreSQL chose this transaction as a deadlock victim or a serialization failure. */
  | { kind: 'retryable-conflict' }
  /**
   * The connection does not keep named prepared statements (a pooler in transaction mode
   * answering "prepared statement … does not exist" or "… already exists"): refused before
   * anything of the statement ran, so it may be sent again unnamed (pg-statements.ts).
   */
  | { kind: 'prepared-statement-refused' }
  | { kind: 'unavailable'; reason: Unavailability }
  | { kind: 'other' };

// SQLSTATE: unique_violation, not_null_violation; deadlock_detected, serialization_failure.
const PG_UNIQUE = '23505';
const PG_NOT_NULL = '23502';
const PG_RETRYABLE = new Set(['40P01', '40001']);
// invalid_sql_statement_name, duplicate_prepared_statement.
const PG_PREPARED_REFUSED = new Set(['26000', '42P05']);
const SQLITE_UNIQUE = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

export function driverError(err: unknown): DriverError {
  const e = (typeof err === 'object' && err !== null ? err : {}) as { code?: unknown; constraint?: unknown; column?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  if (code === PG_UNIQUE) return { kind: 'unique-violation', constraint: typeof e.constraint === 'string' ? e.constraint : '' };
  if (code !== undefined && SQLITE_UNIQUE.has(code)) return { kind: 'unique-violation', constraint: message };
  if ((code === PG_NOT_NULL && e.column === 'version') || (code === 'SQLITE_CONSTRAINT_NOTNULL' && /participants\.version/.test(message))) return { kind: 'stale-write' };
  if (code !== undefined && PG_RETRYABLE.has(code)) return { kind: 'retryable-conflict' };
  if (code !== undefined && PG_PREPARED_REFUSED.has(code)) return { kind: 'prepared-statement-refused' };
  const reason = databaseUnavailability(err);
  return reason ? { kind: 'unavailable', reason } : { kind: 'other' };
}
