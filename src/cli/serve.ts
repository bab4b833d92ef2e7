import cluster from 'node:cluster';
import type { Command } from 'commander';
import { configFrom, databaseOption } from './common.ts';
import { startServer } from '../http/server.ts';
import { runPrimary, runWorker } from '../http/cluster.ts';

interface ServeFlags {
  database?: string;
  host?: string;
  port?: string;
  workers?: string;
  metricsPort?: string;
  idempotencyTtlHours?: string;
  keepaliveTimeout?: string;
}

export function registerServe(program: Command): void {
  databaseOption(
    program
      .command('serve')
      .description('Ready the schema (SQLite: migrate it; PostgreSQL: create it on an empty database, refuse an older one: run lcm migrate), create demo data when the database is empty, and serve the API.')
      .option('--host <host>', 'address to listen on (env LCM_HOST, default 127.0.0.1)')
      .option('--port <port>', 'port to listen on (env LCM_PORT, default 8080)')
      .option('--keepalive-timeout <ms>', 'how long an idle keep-alive connection is kept between requests (env LCM_KEEPALIVE_TIMEOUT_MS, default 120000)')
      .option('--workers <n>', 'worker processes sharing the port, restarted when they die (env LCM_WORKERS, default 1: serve in this process)')
      .option('--metrics-port <port>', 'with --workers: the primary serves all workers\' /metrics summed on this port (env LCM_METRICS_PORT, default none)')
      .option('--idempotency-ttl-hours <hours>', 'how long the answer to an Idempotency-Key is kept (env LCM_IDEMPOTENCY_TTL_HOURS, default 24)'),
  ).action(async (flags: ServeFlags) => {
    const { keepaliveTimeout, ...rest } = flags;
    const config = configFrom({ ...rest, keepAliveTimeoutMs: keepaliveTimeout });
    // A forked worker runs this same command line: it serves, the primary prepared the database.
    if (cluster.isWorker) return runWorker(config);
    if (config.workers > 1) {
      const primary = await runPrimary(config);
      const stop = () => {
        void primary.stop().then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return;
    }
    const running = await startServer(config);
    const stop = () => {
      void running.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
