// Which errors mean "the database cannot serve now" rather than "this request is wrong":
// the HTTP layer answers them 503 with Retry-After (the caller should retry), never 500.
// Covers a PostgreSQL that is down, restarting, unreachable or out of connections, a
// connection cut under a query, a pool that cannot hand out a connection in time, a
// statement cancelled by statement_timeout, and an SQLite file that stays locked, is full
// or became read-only, or whose connection thread has stopped.

import { THREAD_STOPPED } from './sqlite-thread.ts';

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
    if (code === 'LCM_DB_TIMEOUT') return 'timeout';
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

/** Thrown when a request waited on the database longer than the configured bound. */
export class DatabaseTimeout extends Error {
  readonly code = 'LCM_DB_TIMEOUT';
  constructor(ms: number) {
    super(`The database did not answer within ${ms} ms`);
    this.name = 'DatabaseTimeout';
  }
}

/**
 * Resolves or rejects as `work` does, or rejects with DatabaseTimeout after `ms`. The work
 * itself goes on (a write may still commit; its caller was told 503, never success).
 */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  if (!(ms > 0)) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeout(ms)), ms);
  });
  // A late rejection of the abandoned work must not become an unhandled rejection.
  work.catch(() => {});
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
