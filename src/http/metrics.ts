// GET /metrics in the Prometheus text format: requests, errors, latency, group-commit
// batches and the process's own figures. Each app has its own registry, so several apps in
// one process (tests) never share counters. Labels carry only route patterns, methods,
// statuses, operation names and ErrorCodes: never a URL with its query, a token, a login
// or any participant's data.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Config } from '../config.ts';
import type { Store } from '../db/store.ts';
import { observeKeyEvent } from './idempotency.ts';

export interface AppMetrics {
  readonly registry: Registry;
  /** Counts one answered request (an onResponse hook). */
  observe(request: FastifyRequest, reply: FastifyReply): void;
  /** Stops listening to the store (the app closes; the store may outlive it). */
  close(): void;
}

/** The label of requests that matched no route: one series, whatever the URL. */
const UNMATCHED = 'unmatched';

// What operation routes report about their answer, read back when the response is done.
const OUTCOME = Symbol('outcome');
type WithOutcome = FastifyRequest & { [OUTCOME]?: { operation: string; code: number } };

/** Called by an operation route with the ErrorCode of its 200 answer. */
export function recordOutcome(request: FastifyRequest, operation: string, code: number): void {
  (request as WithOutcome)[OUTCOME] = { operation, code };
}

/**
 * The counts of a labelled counter kept here and added to it when the registry is read
 * (its collect): a request pays a map lookup, not prom-client's hashing of its labels.
 */
class PendingCounts<Labels extends Record<string, string | number>> {
  private readonly series = new Map<string, { labels: Labels; count: number }>();

  /** One more for the series `key` names; `labels` makes its labels the first time. */
  add(key: string, labels: () => Labels): void {
    const s = this.series.get(key);
    if (s) s.count++;
    else this.series.set(key, { labels: labels(), count: 1 });
  }

  /** Adds the counts so far to `counter`, series in the order they first came. */
  flush(counter: Counter<Extract<keyof Labels, string>>): void {
    for (const s of this.series.values()) {
      if (s.count === 0) continue;
      counter.inc(s.labels, s.count);
      s.count = 0;
    }
  }
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

function routeOf(request: FastifyRequest): string {
  return request.is404 ? UNMATCHED : (request.routeOptions.url ?? UNMATCHED);
}

export function createMetrics(store: Store): AppMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  // The latency histogram's series, each made once (prom-client still hashes its labels per observation).
  const latencies = new Map<string, { observe(value: number): void }>();
  const requestCounts = new PendingCounts<{ route: string; method: string; status: number }>();
  const answerCounts = new PendingCounts<{ operation: string; code: number }>();
  new Counter({
    name: 'lcm_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
    collect() {
      requestCounts.flush(this);
    },
  });
  const serverErrors = new Counter({
    name: 'lcm_http_server_errors_total',
    help: 'HTTP answers with a 5xx status (500: a defect; 503: the database could not serve), by route and status.',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'lcm_http_request_duration_seconds',
    help: 'Time from receiving a request to sending its answer, by route pattern and method.',
    labelNames: ['route', 'method'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  new Counter({
    name: 'lcm_operation_answers_total',
    help: 'Operation answers with status 200, by operation and ErrorCode (0 = success).',
    labelNames: ['operation', 'code'],
    registers: [registry],
    collect() {
      answerCounts.flush(this);
    },
  });
  const stats = store.groupCommit;
  new Counter({
    name: 'lcm_group_commit_batches_total',
    help: 'Group-commit transactions committed.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.batches);
    },
  });
  new Counter({
    name: 'lcm_group_commit_requests_total',
    help: 'Requests committed in group-commit transactions (divided by the batches: the mean batch size).',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.jobs);
    },
  });
  new Counter({
    name: 'lcm_group_commit_retried_total',
    help: 'Times a batch was refused as a whole (a row changed or a unique value claimed since its read) and run again: once more as a batch, then one request at a time.',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(stats.retried);
    },
  });
  new Gauge({
    name: 'lcm_group_commit_largest_batch',
    help: 'The largest group-commit batch since the process started.',
    registers: [registry],
    aggregator: 'max',
    collect() {
      this.set(stats.largestBatch);
    },
  });
  const sizes = new Histogram({
    name: 'lcm_group_commit_batch_size',
    help: 'Requests per committed group-commit batch.',
    buckets: BATCH_BUCKETS,
    registers: [registry],
  });
  const stopListening = stats.onBatch((size) => sizes.observe(size));
  const keys = {
    replays: new Counter({
      name: 'lcm_idempotency_replays_total',
      help: 'Retries answered from the stored answer to their Idempotency-Key (nothing done again), by operation.',
      labelNames: ['operation'],
      registers: [registry],
    }),
    conflicts: new Counter({
      name: 'lcm_idempotency_conflicts_total',
      help: 'Idempotency-Key refusals, by operation and status: 422 (the key came with another request), 409 (a request with the key still in flight).',
      labelNames: ['operation', 'status'],
      registers: [registry],
    }),
    stored: new Counter({
      name: 'lcm_idempotency_keys_stored_total',
      help: 'Answers stored under a new Idempotency-Key, by operation.',
      labelNames: ['operation'],
      registers: [registry],
    }),
  };

  return {
    registry,
    close: stopListening,
    observe(request, reply) {
      const route = routeOf(request);
      if (route === METRICS_ROUTE) return;
      const status = reply.statusCode;
      const method = request.method;
      requestCounts.add(`${status} ${method} ${route}`, () => ({ route, method, status }));
      if (status >= 500) serverErrors.inc({ route, status });
      const key = `${method} ${route}`;
      let latency = latencies.get(key);
      if (latency === undefined) latencies.set(key, (latency = duration.labels({ route, method })));
      latency.observe(reply.elapsedTime / 1000);
      const outcome = (request as WithOutcome)[OUTCOME];
      if (outcome && status === 200) answerCounts.add(`${outcome.code} ${outcome.operation}`, () => ({ operation: outcome.operation, code: outcome.code }));
      observeKeyEvent(request, status, keys);
    },
  };
}

export const METRICS_ROUTE = '/metrics';

function authorized(config: Config, request: FastifyRequest): boolean {
  if (config.metricsToken === undefined || config.metricsToken === '') return true;
  const header = request.headers.authorization ?? '';
  const given = Buffer.from(header);
  const expected = Buffer.from(`Bearer ${config.metricsToken}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Counts every answer and serves GET /metrics (unless LCM_METRICS=off). */
export function metricsRoutes(app: FastifyInstance, config: Config, store: Store): AppMetrics | undefined {
  if (!config.metrics) return undefined;
  const metrics = createMetrics(store);
  // A callback hook: an async one would cost a promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    metrics.observe(request, reply);
    done();
  });
  app.addHook('onClose', async () => metrics.close());
  app.get(METRICS_ROUTE, async (request: FastifyRequest, reply: FastifyReply) => {
    if (!authorized(config, request)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').header('content-type', 'text/plain; charset=utf-8').send('Unauthorized\n');
    }
    const text = await metrics.registry.metrics();
    return reply.header('content-type', metrics.registry.contentType).header('cache-control', 'no-store').send(text);
  });
  return metrics;
}
