// `lcm serve --workers N`: one primary process that prepares the database once and keeps N
// worker processes serving on the same port (node:cluster hands connections to them in
// turn). Workers are built by the same startServer/buildApp as a single process; all state
// lives in the database, so any worker may answer any request. A worker that dies is
// replaced after a back-off; SIGTERM/SIGINT stop every worker gracefully.
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import http from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config.ts';
import { isPostgresUrl } from '../config.ts';
import { prepareDatabase, startServer } from './server.ts';
import type { RunningServer } from './server.ts';
import { isListenError, listenError } from './listen-error.ts';

type Out = { write(text: string): unknown };

/** Back-off before replacing a worker that died: doubles per quick death, capped. */
export function restartDelay(quickDeaths: number): number {
  return Math.min(30_000, 500 * 2 ** Math.min(quickDeaths, 10));
}

/** What a worker tells its primary when it cannot start (the port is taken, …): the primary stops. */
interface StartFailed {
  lcmStartFailed: string;
}

function isStartFailed(message: unknown): message is StartFailed {
  return typeof message === 'object' && message !== null && typeof (message as StartFailed).lcmStartFailed === 'string';
}

/** A worker that lived at least this long is healthy again: its next death restarts it quickly. */
const HEALTHY_AFTER_MS = 10_000;
/** Longest wait for workers to finish their requests on shutdown before they are killed. */
const STOP_GRACE_MS = 30_000;

export interface Primary {
  /** Resolves when every worker has exited after stop(). */
  stop(): Promise<void>;
}

export async function runPrimary(config: Config, out: Out = process.stdout, err: Out = process.stderr): Promise<Primary> {
  if (!isPostgresUrl(config.database)) {
    err.write(
      `warning: --workers ${config.workers} on SQLite: the workers share one file, so their writes take turns ` +
        '(group commit works only within a process) and a write that waits longer than the busy timeout answers 503. ' +
        'Use PostgreSQL to serve from several processes.\n',
    );
  }
  await prepareDatabase(config, out);

  let stopping = false;
  const slots = new Map<number, { worker: Worker; startedAt: number; quickDeaths: number }>();
  const timers = new Set<NodeJS.Timeout>();

  const fork = (slot: number, quickDeaths: number) => {
    const worker = cluster.fork({ LCM_WORKER_SLOT: String(slot) });
    slots.set(slot, { worker, startedAt: Date.now(), quickDeaths });
  };

  cluster.on('exit', (worker, code, signal) => {
    const entry = [...slots.entries()].find(([, s]) => s.worker === worker);
    if (!entry || stopping) return;
    const [slot, state] = entry;
    const quick = Date.now() - state.startedAt < HEALTHY_AFTER_MS;
    const quickDeaths = quick ? state.quickDeaths + 1 : 0;
    const delay = restartDelay(quickDeaths);
    err.write(`worker ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another in ${delay} ms\n`);
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!stopping) fork(slot, quickDeaths);
    }, delay);
    timers.add(timer);
  });

  // A worker that cannot start would fail the same way when replaced: the whole server
  // stops, with the worker's reason, instead of restarting it forever.
  let startFailed: ((reason: string) => void) | undefined;
  const failed = new Promise<string>((resolve) => (startFailed = resolve));
  cluster.on('message', (_worker, message) => {
    if (isStartFailed(message)) {
      stopping = true;
      startFailed?.(message.lcmStartFailed);
    }
  });

  const listening = new Set<number>();
  const allListening = new Promise<void>((resolve) =>
    cluster.on('listening', (worker) => {
      listening.add(worker.id);
      if (listening.size === config.workers) resolve();
    }),
  );
  for (let slot = 1; slot <= config.workers; slot++) fork(slot, 0);

  let metricsServer: http.Server | undefined;
  let stopped: Promise<void> | undefined;
  const primary: Primary = {
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        for (const t of timers) clearTimeout(t);
        timers.clear();
        const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
        await Promise.all(
          alive.map(
            (w) =>
              new Promise<void>((resolve) => {
                const kill = setTimeout(() => w.process.kill('SIGKILL'), STOP_GRACE_MS);
                w.once('exit', () => {
                  clearTimeout(kill);
                  resolve();
                });
                w.process.kill('SIGTERM');
              }),
          ),
        );
        await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
      })()),
  };
  const started = await Promise.race([allListening.then(() => undefined), failed]);
  if (started === undefined && config.metrics && config.metricsPort > 0) {
    try {
      metricsServer = await serveClusterMetrics(config, out);
    } catch (e) {
      await primary.stop();
      throw listenError(e, config.host, config.metricsPort);
    }
  }
  if (started !== undefined) {
    await primary.stop();
    throw new Error(started);
  }
  out.write(`lcm primary ${process.pid}: ${config.workers} workers on port ${config.port}\n`);
  return primary;
}

/** The primary's own port answering GET /metrics with every worker's series summed. */
async function serveClusterMetrics(config: Config, out: Out): Promise<http.Server> {
  const aggregator = new AggregatorRegistry();
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    if (config.metricsToken) {
      const given = Buffer.from(req.headers.authorization ?? '');
      const expected = Buffer.from(`Bearer ${config.metricsToken}`);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"' }).end('Unauthorized\n');
        return;
      }
    }
    aggregator.clusterMetrics().then(
      (text) => res.writeHead(200, { 'content-type': aggregator.contentType, 'cache-control': 'no-store' }).end(text),
      (e: Error) => res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(`${e.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metricsPort, config.host, () => resolve());
  });
  out.write(`lcm primary: summed /metrics of all workers on http://${config.host}:${config.metricsPort}/metrics\n`);
  return server;
}

/** A worker: serves until SIGTERM/SIGINT or until its primary goes away. */
export async function runWorker(config: Config): Promise<void> {
  let running: RunningServer;
  try {
    running = await startServer(config, { prepared: true });
  } catch (e) {
    // Other failures (the database not reachable yet) end this worker, to be replaced.
    if (!isListenError(e)) throw e;
    const reason = listenError(e, config.host, config.port).message;
    // The primary says it once for all workers; exit only once it has the message.
    process.send?.({ lcmStartFailed: reason } satisfies StartFailed, () => process.exit(1));
    return;
  }
  const registry = running.app.deps.metrics?.registry;
  // The primary's aggregated /metrics asks each worker for this registry.
  if (registry) {
    AggregatorRegistry.setRegistries([registry]);
    // Constructing one installs the worker's answer to the primary's requests.
    new AggregatorRegistry();
  }
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}
