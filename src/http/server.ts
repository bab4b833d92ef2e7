// Start-up of a serving process: open and migrate the store, demo data on an empty
// database, then listen.
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { openStore } from '../store/db.ts';
import { migrateToLatest } from '../store/migrate.ts';
import { ensureDemoData, DEMO_LOGIN } from '../store/demo.ts';
import { buildApp } from './app.ts';
import type { AppOptions } from './app.ts';
import { startDispatcher } from '../webhooks/dispatcher.ts';

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
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const out = options.out ?? process.stdout;
  const store = await openStore(config.database);
  let demoPassword: string | undefined;
  try {
    await migrateToLatest(store.db);
    demoPassword = await ensureDemoData(store.db, store.engine);
    if (demoPassword) {
      // Shown once, on the terminal only: it is not kept anywhere in clear.
      out.write(`Demo data created. Manager login: ${DEMO_LOGIN}  password: ${demoPassword}\n`);
    }
  } catch (err) {
    await store.close();
    throw err;
  }
  const app = await buildApp({ config, store, logger: options.logger });
  const url = await app.listen({ host: config.host, port: config.port });
  out.write(`lcm serving ${url} (database: ${store.engine === 'sqlite' ? store.file : 'postgresql'})\n`);
  // Change events reach the webhooks from every serving process; see claimDeliveries.
  const dispatcher = startDispatcher(store, { pollMs: config.webhookPollMs, retryBaseMs: config.webhookRetryBaseMs, log: app.log });
  return {
    app,
    url,
    demoPassword,
    close: async () => {
      await dispatcher.stop();
      await app.close();
      await store.close();
    },
  };
}
