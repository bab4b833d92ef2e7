// GET /metrics: Prometheus text with the request, error, latency, operation-answer and
// group-commit series; one registry per app; no token or personal data in it; switched off
// or behind a bearer token by configuration.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { ENGINES } from '../helpers/engines.ts';
import { seededApp } from '../helpers/app.ts';
import { CASHIER, CLIENT_1 } from '../helpers/fixtures.ts';
import { bearer, postJson } from '../helpers/http.ts';
import { managerLogin } from '../helpers/login.ts';

const UPDATE = '/api/client/ClientUpdate';

async function scrape(app: FastifyInstance, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'GET', url: '/metrics', headers });
  return { status: res.statusCode, contentType: String(res.headers['content-type']), text: res.body };
}

/** The value of one series, e.g. value(text, 'lcm_http_requests_total', {route: …}); undefined when absent. */
function value(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[3] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[4]);
  }
  return undefined;
}

for (const engine of ENGINES) {
  describe(`GET /metrics on ${engine}`, () => {
    it('counts requests by route, method and status, ErrorCodes by operation, and latency', async () => {
      const s = await seededApp(engine);
      try {
        const ok = await postJson(s.app, UPDATE, { Client: 1, Name: 'Пётр' }, CASHIER);
        assert.equal(ok.status, 200);
        assert.deepEqual(ok.json(), { ErrorCode: 0, Message: '' });
        const unknownPos = await postJson(s.app, UPDATE, { Client: 1, PosCode: 'NOPE' }, CASHIER);
        assert.equal((unknownPos.json() as { ErrorCode: number }).ErrorCode, 4);
        const denied = await postJson(s.app, UPDATE, { Client: 1, Name: 'x' }, null);
        assert.equal(denied.status, 401);
        const lost = await s.app.inject({ method: 'GET', url: '/no/such/path?phone=79160000001' });
        assert.equal(lost.statusCode, 404);

        const m = await scrape(s.app);
        assert.equal(m.status, 200);
        assert.match(m.contentType, /^text\/plain; version=0\.0\.4/);
        const route = '/api/client/ClientUpdate';
        assert.equal(value(m.text, 'lcm_http_requests_total', { route, method: 'POST', status: '200' }), 2);
        assert.equal(value(m.text, 'lcm_http_requests_total', { route, method: 'POST', status: '401' }), 1);
        // Unknown URLs share one series: no URL, query or path parameter becomes a label.
        assert.equal(value(m.text, 'lcm_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' }), 1);
        assert.doesNotMatch(m.text, /no\/such\/path/);
        assert.equal(value(m.text, 'lcm_operation_answers_total', { operation: 'ClientUpdate', code: '0' }), 1);
        assert.equal(value(m.text, 'lcm_operation_answers_total', { operation: 'ClientUpdate', code: '4' }), 1);
        assert.equal(value(m.text, 'lcm_http_request_duration_seconds_count', { route, method: 'POST' }), 3);
        assert.equal(value(m.text, 'lcm_http_request_duration_seconds_bucket', { route, method: 'POST', le: '+Inf' }), 3);
        assert.ok(value(m.text, 'lcm_http_request_duration_seconds_sum', { route, method: 'POST' })! > 0);
        assert.equal(value(m.text, 'lcm_http_server_errors_total'), undefined, 'no 5xx so far');
        // The scrape itself is not counted.
        assert.equal(value(m.text, 'lcm_http_requests_total', { route: '/metrics' }), undefined);
        // Default process metrics.
        assert.ok(value(m.text, 'process_cpu_user_seconds_total')! > 0);
        assert.ok(value(m.text, 'nodejs_heap_size_used_bytes')! > 0);

        // Counted once: another scrape adds only what came since (the counts are handed to prom-client when read).
        const again = await postJson(s.app, UPDATE, { Client: 1, Name: 'Павел' }, CASHIER);
        assert.equal(again.status, 200);
        const m2 = await scrape(s.app);
        assert.equal(value(m2.text, 'lcm_http_requests_total', { route, method: 'POST', status: '200' }), 3);
        assert.equal(value(m2.text, 'lcm_http_requests_total', { route, method: 'POST', status: '401' }), 1);
        assert.equal(value(m2.text, 'lcm_operation_answers_total', { operation: 'ClientUpdate', code: '0' }), 2);
        assert.equal(value(m2.text, 'lcm_operation_answers_total', { operation: 'ClientUpdate', code: '4' }), 1);
        assert.equal(value(m2.text, 'lcm_http_request_duration_seconds_count', { route, method: 'POST' }), 4);
        const m3 = await scrape(s.app);
        assert.equal(value(m3.text, 'lcm_http_requests_total', { route, method: 'POST', status: '200' }), 3);
      } finally {
        await s.close();
      }
    });

    it('reports the group-commit counters of the store', async () => {
      const s = await seededApp(engine);
      try {
        const answers = await Promise.all(
          Array.from({ length: 8 }, (_, i) => postJson(s.app, UPDATE, { Client: 1 + (i % 2), Name: `Имя${i}` }, CASHIER)),
        );
        for (const a of answers) assert.deepEqual(a.json(), { ErrorCode: 0, Message: '' });
        const m = await scrape(s.app);
        const stats = s.t.store.groupCommit;
        assert.equal(value(m.text, 'lcm_group_commit_batches_total'), stats.batches);
        assert.equal(value(m.text, 'lcm_group_commit_requests_total'), stats.jobs);
        assert.equal(value(m.text, 'lcm_group_commit_largest_batch'), stats.largestBatch);
        // Every ClientUpdate goes through group commit, on both engines.
        assert.ok(stats.jobs >= 8 && stats.batches >= 1 && stats.largestBatch >= 1);
        assert.equal(value(m.text, 'lcm_group_commit_batch_size_count'), stats.batches, 'every batch observed');
        assert.equal(value(m.text, 'lcm_group_commit_batch_size_sum'), stats.jobs);
      } finally {
        await s.close();
      }
    });

    it('never shows tokens, logins or participants’ data', async () => {
      const s = await seededApp(engine);
      try {
        const managerAuth = await bearer(s.app, CASHIER);
        const clientAuth = await bearer(s.app, CLIENT_1);
        await postJson(s.app, UPDATE, { Client: 1, Phone: 79169998877, Email: 'secret.person@example.ru' }, CASHIER);
        await postJson(s.app, UPDATE, { Client: 1, Name: 'Тайна' }, CLIENT_1);
        const login = await managerLogin(s.app, 'cashier', 'secret');
        assert.equal(login.status, 200);
        await managerLogin(s.app, 'cashier', 'wrong-password');
        const m = await scrape(s.app);
        assert.ok(value(m.text, 'lcm_http_requests_total', { route: '/ManagerLogin', status: '401' }) === 1);
        for (const secret of [
          managerAuth.slice(7),
          clientAuth.slice(7),
          String(login.body.access_token),
          String(login.body.refresh_token),
          'wrong-password',
          'cashier',
          '79169998877',
          'secret.person',
          'Тайна',
          'Bearer',
        ]) {
          assert.ok(!m.text.includes(secret), `metrics must not contain ${secret.slice(0, 12)}…`);
        }
      } finally {
        await s.close();
      }
    });
  });
}

describe('GET /metrics configuration', () => {
  it('each app counts only its own requests', async () => {
    const a = await seededApp('sqlite');
    const b = await seededApp('sqlite');
    try {
      await a.app.inject({ method: 'GET', url: '/health' });
      await a.app.inject({ method: 'GET', url: '/health' });
      await b.app.inject({ method: 'GET', url: '/health' });
      const ma = await scrape(a.app);
      const mb = await scrape(b.app);
      assert.equal(value(ma.text, 'lcm_http_requests_total', { route: '/health', status: '200' }), 2);
      assert.equal(value(mb.text, 'lcm_http_requests_total', { route: '/health', status: '200' }), 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('LCM_METRICS=off removes the route', async () => {
    const s = await seededApp('sqlite', { metrics: 'off' });
    try {
      const m = await scrape(s.app);
      assert.equal(m.status, 404);
      assert.equal(s.app.deps.metrics, undefined);
    } finally {
      await s.close();
    }
  });

  it('LCM_METRICS_TOKEN requires that bearer token', async () => {
    const s = await seededApp('sqlite', { metricsToken: 'scrape-me-0123456789' });
    try {
      assert.equal((await scrape(s.app)).status, 401);
      assert.equal((await scrape(s.app, { authorization: 'Bearer wrong-token-0123456' })).status, 401);
      // A service token does not open it either.
      assert.equal((await scrape(s.app, { authorization: await bearer(s.app, CASHIER) })).status, 401);
      const m = await scrape(s.app, { authorization: 'Bearer scrape-me-0123456789' });
      assert.equal(m.status, 200);
      assert.match(m.text, /lcm_http_requests_total/);
    } finally {
      await s.close();
    }
  });
});
