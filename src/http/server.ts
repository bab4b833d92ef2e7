// Start-up of a serving process: open the store and check its schema (migrating it where
// that is the serving process's job), demo data on an empty database, then listen.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { openStore } from '../db/store.ts';
import { PG_CONNECT_TIMEOUT_MS } from '../db/postgres.ts';
import type { OpenOptions, Store } from '../db/store.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { schemaState } from '../db/schema-version.ts';
import { ensureDemoData, DEMO_LOGIN } from '../seed/demo.ts';
import { buildApp } from './app.ts';
import type { AppOptions } from './app.ts';
import { startDispatcher } from '../webhooks/dispatcher.ts';
import { startKeySweeper } from '../idempotency/sweeper.ts';
import { startCodeDispatcher } from '../auth/code-dispatcher.ts';
import { listenError } from './listen-error.ts';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** The demo manager's password when this start created the demo data. */
  demoPassword: string | undefined;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: AppOptions['logger'];
  /** Where start-up messages go (the terminal by default). */
  out?: { write(text: string): unknown };
  /** The schema and demo data were made ready by prepareDatabase (a cluster worker). */
  prepared?: boolean;
}

/**
 * Opens the store, readies the schema (readySchema) and creates the demo data on an empty
 * database (printing the demo password once), then closes it. `lcm serve --workers N` runs
 * it once in the primary; a single-process start runs it inside startServer.
 */
export async function prepareDatabase(config: Config, out: { write(text: string): unknown } = process.stdout): Promise<string | undefined> {
  const store = await openStore(config.database);
  try {
    return await prepare(store, out);
  } finally {
    await store.close();
  }
}

/**
 * SQLite (one host, where an upgrade is a restart): brings the schema up to date.
 * PostgreSQL: a plain query reads which migrations have run. An empty database gets its
 * schema (the first start; safe when several processes start at once, and through a pooler,
 * see migration-lock.ts); a current one is served as it is, without a lock; an older one is
 * refused: there migrating is a release step (`lcm migrate`), run once before the new
 * release's processes start.
 */
async function readySchema(store: Store): Promise<void> {
  if (store.engine === 'sqlite') {
    await migrateToLatest(store.db);
    return;
  }
  const state = await schemaState(store.db, store.engine);
  if (state.kind === 'empty') await migrateToLatest(store.db);
  if (state.kind === 'behind') {
    throw new Error(`the database schema is older than this release (missing ${state.missing.join(', ')}): run \`lcm migrate\` against it (docs/deploy.md#migrations), then start again`);
  }
}

async function prepare(store: Store, out: { write(text: string): unknown }): Promise<string | undefined> {
  await readySchema(store);
  const demoPassword = await ensureDemoData(store.db, store.engine);
  if (demoPassword) {
    // Shown once, on the terminal only: it is not kept anywhere in clear.
    out.write(`Demo data created. Manager login: ${DEMO_LOGIN}  password: ${demoPassword}\n`);
  }
  return demoPassword;
}

/**
 * Connections the kernel may hold for us before they are accepted. Node's default (511)
 * overflows when thousands of tills connect at once: the overflow is completed later by
 * SYN-ACK retries (1, 3, 7, 15 s…), so clients wait seconds for a server that is idle.
 * The kernel caps it at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

/** How a serving process opens its store (tests open theirs the same way). */
export function servingStoreOptions(config: Config): OpenOptions {
  return {
    // Statements of a serving process are bounded; see Config.dbTimeoutMs.
    connectTimeoutMs: config.dbTimeoutMs > 0 ? Math.min(PG_CONNECT_TIMEOUT_MS, config.dbTimeoutMs) : PG_CONNECT_TIMEOUT_MS,
    statementTimeoutMs: config.dbTimeoutMs,
    preparedStatements: config.pgPrepared,
    onPreparedRefused: (err) => {
      process.stderr.write(
        `lcm: the database connection does not keep prepared statements (${err instanceof Error ? err.message : String(err)}; a pooler in transaction mode?): ` +
          'sending them unnamed from now on; set LCM_PG_PREPARED=off to skip the attempt\n',
      );
    },
    serving: true,
  };
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const out = options.out ?? process.stdout;
  const store = await openStore(config.database, servingStoreOptions(config));
  let demoPassword: string | undefined;
  try {
    if (!options.prepared) demoPassword = await prepare(store, out);
  } catch (err) {
    await store.close();
    throw err;
  }
  const app = await buildApp({ config, store, logger: options.logger });
  let url: string;
  try {
    url = await app.listen({ host: config.host, port: config.port, backlog: LISTEN_BACKLOG });
  } catch (err) {
    // Nothing may keep the process alive after a failed start.
    await app.close();
    await store.close();
    throw listenError(err, config.host, config.port);
  }
  const where = store.engine === 'sqlite' ? store.file : 'postgresql';
  out.write(`lcm serving ${url} (database: ${where}${options.prepared ? `, pid ${process.pid}` : ''})\n`);
  // Change events reach the webhooks from every serving process; see claimDeliveries.
  const dispatcher = startDispatcher(store, { pollMs: config.webhookPollMs, retryBaseMs: config.webhookRetryBaseMs, log: app.log });
  // Expired Idempotency-Keys are deleted by every serving process.
  const sweeper = startKeySweeper(store, { log: app.log });
  // Confirmation codes reach the operators' SMS gateways the same way, from their own outbox.
  const codeDispatcher = startCodeDispatcher(store, app.deps.codes.keys, { pollMs: config.webhookPollMs, retryBaseMs: config.webhookRetryBaseMs, log: app.log });
  return {
    app,
    url,
    demoPassword,
    close: async () => {
      await dispatcher.stop();
      await sweeper.stop();
      await codeDispatcher.stop();
      await app.close();
      await store.close();
    },
  };
}
