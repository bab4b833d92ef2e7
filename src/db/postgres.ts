// PostgreSQL: the pool (sizes, timeouts, a socket that gives up on a silent server, named
// prepared statements) and the type parsers that make its rows read as SQLite's do.
import net from 'node:net';
import pg from 'pg';
import { Kysely } from 'kysely';
import { StatementSender } from './pg-statements.ts';
import { TransactionLockPostgresDialect } from './migration-lock.ts';
import type { Database } from './schema.ts';

export interface PostgresOptions {
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
  /** PostgreSQL: registered statements go as named prepared statements (prepared.ts). Default true. */
  preparedStatements?: boolean;
  /** PostgreSQL: told once when the connection refused a named prepared statement (pg-statements.ts). */
  onPreparedRefused?: (err: unknown) => void;
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

/** Default of PostgresOptions.connectTimeoutMs. */
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

/** A Kysely over a new pool for `url`. */
export function openPostgres(url: string, options: PostgresOptions = {}): Kysely<Database> {
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
    connectionString: url,
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
  return new Kysely<Database>({ dialect: new TransactionLockPostgresDialect({ pool }) });
}
