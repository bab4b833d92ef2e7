// Database outages under load. PostgreSQL is reached through a TCP proxy in this process,
// so the shared server never stops: cutting the proxy (connections reset, new ones refused)
// and freezing it (nothing forwarded, like a dropped network) stand for a dead database;
// pg_terminate_backend ends the service's sessions for real. Every request must answer
// 503 with the ASP.NET-shaped message and Retry-After within a bound (none hangs), /health
// must say 503, the service must serve again by itself when the database is back, and
// every update answered 200/ErrorCode 0 must be in the database with its history row.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import type { TestDatabase } from '../helpers/engines.ts';
import { seededApp, seededDatabase } from '../helpers/app.ts';
import { CASHIER } from '../helpers/fixtures.ts';
import { TcpProxy } from '../helpers/tcp-proxy.ts';
import { loadConfig } from '../../src/config.ts';
import { startServer } from '../../src/http/server.ts';
import type { RunningServer } from '../../src/http/server.ts';

const PG = process.env.LCM_TEST_PG;
const UNREACHABLE = 'The service is temporarily unavailable: the database cannot be reached. Retry later.';
const TIMEOUT = 'The service is temporarily unavailable: the database did not answer in time. Retry later.';
const BUSY = 'The service is temporarily unavailable: the database is busy. Retry later.';
const MESSAGES = new Set([UNREACHABLE, TIMEOUT, BUSY]);
/** No request may take longer than this, outage or not. */
const BOUND_MS = 3000;
const QUIET = { logger: false, out: { write: () => true } } as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  seq: number;
  client: number;
  name: string;
  startedAt: number;
  endedAt: number;
  ms: number;
  status: number;
  errorCode?: number;
  message?: string;
  retryAfter: string | null;
}

/** Concurrent ClientUpdate loops over HTTP, each request setting a unique Name. */
function startLoad(base: string, auth: string, concurrency = 8) {
  const answers: Answer[] = [];
  let stopped = false;
  let seq = 0;
  const loop = async () => {
    while (!stopped) {
      const n = ++seq;
      const client = 1 + (n % 2);
      const name = `L${n}`;
      const startedAt = Date.now();
      let status = 0;
      let body: { ErrorCode?: number; Message?: string } = {};
      let retryAfter: string | null = null;
      try {
        const res = await fetch(`${base}/api/client/ClientUpdate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: auth },
          body: JSON.stringify({ Client: client, Name: name }),
          signal: AbortSignal.timeout(15_000),
        });
        status = res.status;
        retryAfter = res.headers.get('retry-after');
        body = (await res.json()) as typeof body;
      } catch {
        status = -1; // no answer at all: a hang (aborted) or a dropped connection
      }
      const endedAt = Date.now();
      answers.push({ seq: n, client, name, startedAt, endedAt, ms: endedAt - startedAt, status, errorCode: body.ErrorCode, message: body.Message, retryAfter });
      if (status !== 200) await sleep(10);
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    answers,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

/** Every answer is a success or a proper 503, and none took longer than the bound. */
function assertShapes(answers: Answer[]) {
  for (const a of answers) {
    assert.ok(a.status === 200 || a.status === 503, `request ${a.seq}: status ${a.status}`);
    if (a.status === 200) assert.equal(a.errorCode, 0, `request ${a.seq}: ErrorCode ${a.errorCode} ${a.message}`);
    else {
      assert.ok(MESSAGES.has(a.message ?? ''), `request ${a.seq}: message ${a.message}`);
      assert.equal(a.retryAfter, '5');
    }
    assert.ok(a.ms <= BOUND_MS, `request ${a.seq} took ${a.ms} ms`);
  }
}

/** Every 200 is committed with its history row; each participant's version counts its history rows. */
async function assertDurable(url: string, answers: Answer[]) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const names = new Map<number, Set<string>>();
    const history = await c.query<{ participant_id: string; fields: string }>('select participant_id, fields from change_history where participant_id in (1, 2)');
    for (const row of history.rows) {
      const set = names.get(Number(row.participant_id)) ?? new Set<string>();
      for (const f of JSON.parse(row.fields) as { Field: string; New: unknown }[]) if (f.Field === 'Name') set.add(String(f.New));
      names.set(Number(row.participant_id), set);
    }
    const ok = answers.filter((a) => a.status === 200);
    for (const a of ok) assert.ok(names.get(a.client)?.has(a.name), `request ${a.seq} answered 200 but ${a.name} is not in the history of ${a.client}`);
    const versions = await c.query<{ id: string; version: string; rows: string }>(
      'select p.id, p.version, (select count(*) from change_history h where h.participant_id = p.id) as rows from participants p where p.id in (1, 2) order by p.id',
    );
    for (const v of versions.rows) assert.equal(Number(v.version), Number(v.rows), `participant ${v.id}: version ${v.version}, history rows ${v.rows}`);
    return { successes: ok.length, historyRows: history.rowCount ?? 0 };
  } finally {
    await c.end();
  }
}

async function health(base: string): Promise<{ status: number; ms: number }> {
  const t = Date.now();
  const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(15_000) });
  await res.text();
  return { status: res.status, ms: Date.now() - t };
}

const seededPostgres = (): Promise<TestDatabase> => seededDatabase('postgres');

function proxiedUrl(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}

async function serve(database: string, dbTimeoutMs = 2000): Promise<{ running: RunningServer; auth: string }> {
  const config = loadConfig({}, { database, port: 0, jwtSecret: 'outage-secret-0123456789abcdef0123', dbTimeoutMs, webhookPollMs: 200 });
  const running = await startServer(config, QUIET);
  return { running, auth: `Bearer ${await running.app.deps.auth.issueAccessToken(CASHIER)}` };
}

/** The first answer 200 that started after `t`, or undefined. */
const firstSuccessAfter = (answers: Answer[], t: number) => answers.filter((a) => a.status === 200 && a.startedAt >= t).sort((a, b) => a.endedAt - b.endedAt)[0];

async function waitFor(pred: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (pred()) return true;
    await sleep(20);
  }
  return pred();
}

describe('PostgreSQL outage', { skip: PG ? false : 'LCM_TEST_PG is not set' }, () => {
  it('connections cut and refused under load: 503 fast, /health 503, recovery without a restart', async (t) => {
    const database = await seededPostgres();
    const target = new URL(database.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const { running, auth } = await serve(proxiedUrl(database.url, proxy.port));
    const base = running.url;
    const load = startLoad(base, auth);
    try {
      await sleep(1500);
      const cutAt = Date.now();
      await proxy.cut();
      await sleep(300);
      const h = await health(base);
      assert.equal(h.status, 503);
      assert.ok(h.ms <= BOUND_MS, `/health took ${h.ms} ms`);
      // The negotiated format: XML asked, XML answered.
      const xml = await fetch(`${base}/api/client/ClientUpdate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/xml', authorization: auth },
        body: JSON.stringify({ Client: 1, Name: 'xml' }),
      });
      assert.equal(xml.status, 503);
      assert.equal(xml.headers.get('retry-after'), '5');
      assert.match(xml.headers.get('content-type') ?? '', /xml/);
      assert.match(await xml.text(), /<Error><Message>The service is temporarily unavailable: the database cannot be reached\. Retry later\.<\/Message><\/Error>/);
      // Sign-in too answers 503, in OAuth's shape.
      const login = await fetch(`${base}/ManagerLogin`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password&username=cashier&password=secret' });
      assert.equal(login.status, 503);
      assert.equal(((await login.json()) as { error: string }).error, 'temporarily_unavailable');
      await sleep(2500);
      const restoreAt = Date.now();
      await proxy.restore();
      assert.ok(await waitFor(() => firstSuccessAfter(load.answers, restoreAt) !== undefined, 10_000), 'no success after the database came back');
      const recovered = firstSuccessAfter(load.answers, restoreAt)!;
      await sleep(1500);
      await load.stop();
      assert.equal((await health(base)).status, 200);

      assertShapes(load.answers);
      const during = load.answers.filter((a) => a.startedAt >= cutAt + 50 && a.endedAt <= restoreAt);
      assert.ok(during.length >= 20, `only ${during.length} requests during the outage`);
      for (const a of during) assert.equal(a.status, 503, `request ${a.seq} during the outage`);
      for (const a of during) assert.equal(a.message, UNREACHABLE);
      const before = load.answers.filter((a) => a.endedAt < cutAt);
      assert.ok(before.length > 0 && before.every((a) => a.status === 200));
      // Once one request has succeeded again, all do: broken connections were dropped.
      const after = load.answers.filter((a) => a.startedAt > recovered.endedAt);
      assert.ok(after.length >= 20);
      for (const a of after) assert.equal(a.status, 200, `request ${a.seq} after recovery`);

      const metrics = await (await fetch(`${base}/metrics`)).text();
      const served503 = load.answers.filter((a) => a.status === 503).length + 1; // + the XML one
      assert.match(metrics, new RegExp(`lcm_http_server_errors_total\\{route="/api/client/ClientUpdate",status="503"\\} ${served503}\\n`));

      const durable = await assertDurable(database.url, load.answers);
      const maxDuring = Math.max(...during.map((a) => a.ms));
      t.diagnostic(
        `cut: ${load.answers.length} requests, ${during.length} during the outage (max ${maxDuring} ms, /health ${h.ms} ms), ` +
          `recovered ${recovered.endedAt - restoreAt} ms after the database came back; ${durable.successes} successes, ${durable.historyRows} history rows`,
      );
    } finally {
      // Stopped here too: a failed assertion must not leave the load running forever.
      await load.stop();
      await running.close();
      await proxy.stop();
      await database.drop();
    }
  });

  it('a network that drops everything: requests answer 503 at the LCM_DB_TIMEOUT_MS bound, then recover', async (t) => {
    const database = await seededPostgres();
    const target = new URL(database.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const { running, auth } = await serve(proxiedUrl(database.url, proxy.port), 2000);
    const base = running.url;
    const load = startLoad(base, auth);
    try {
      await sleep(1000);
      const frozenAt = Date.now();
      proxy.freeze();
      const h = await health(base);
      assert.equal(h.status, 503);
      assert.ok(h.ms <= BOUND_MS, `/health took ${h.ms} ms`);
      await sleep(4500);
      const restoreAt = Date.now();
      await proxy.restore();
      assert.ok(await waitFor(() => firstSuccessAfter(load.answers, restoreAt) !== undefined, 10_000), 'no success after the network came back');
      const recovered = firstSuccessAfter(load.answers, restoreAt)!;
      await sleep(1500);
      await load.stop();

      assertShapes(load.answers);
      const during = load.answers.filter((a) => a.startedAt >= frozenAt + 50 && a.endedAt <= restoreAt);
      assert.ok(during.length >= 8, `only ${during.length} requests during the freeze`);
      for (const a of during) assert.equal(a.status, 503, `request ${a.seq} during the freeze`);
      const after = load.answers.filter((a) => a.startedAt > recovered.endedAt + 500);
      assert.ok(after.length >= 10);
      for (const a of after) assert.equal(a.status, 200, `request ${a.seq} after recovery`);
      // Writes cut short by the bound may still have committed once the network flowed
      // again; every acknowledged one certainly did.
      const durable = await assertDurable(database.url, load.answers);
      t.diagnostic(
        `freeze: ${during.length} requests during it, max ${Math.max(...during.map((a) => a.ms))} ms; ` +
          `recovered ${recovered.endedAt - restoreAt} ms after; ${durable.successes} successes, ${durable.historyRows} history rows`,
      );
    } finally {
      // Stopped here too: a failed assertion must not leave the load running forever.
      await load.stop();
      await proxy.restore();
      await running.close();
      await proxy.stop();
      await database.drop();
    }
  });

  it('connections silenced for good (a failover): each dropped statement_timeout + 5 s after its last use, then served on new ones', async (t) => {
    const database = await seededPostgres();
    const target = new URL(database.url);
    const proxy = new TcpProxy(target.hostname, Number(target.port || 5432));
    await proxy.start();
    const { running, auth } = await serve(proxiedUrl(database.url, proxy.port), 2000);
    const base = running.url;
    const load = startLoad(base, auth);
    try {
      await sleep(1000);
      const strandedAt = Date.now();
      // Every connection open now stays silent forever; new connections reach the database.
      proxy.strand();
      assert.ok(await waitFor(() => firstSuccessAfter(load.answers, strandedAt + 2100) !== undefined, 40_000), 'no success on new connections');
      const recovered = firstSuccessAfter(load.answers, strandedAt + 2100)!;
      await sleep(1500);
      await load.stop();

      assertShapes(load.answers);
      // Each silent connection is dropped 7 s (statement_timeout 2 s + 5 s) after its last
      // use; the pool's 10 are used up a few at a time (batches in flight, the dispatcher).
      assert.ok(recovered.endedAt - strandedAt <= 30_000, `recovered ${recovered.endedAt - strandedAt} ms after`);
      const after = load.answers.filter((a) => a.startedAt > recovered.endedAt + 500);
      assert.ok(after.length >= 10);
      for (const a of after) assert.equal(a.status, 200, `request ${a.seq} after recovery`);
      const durable = await assertDurable(database.url, load.answers);
      t.diagnostic(
        `stranded: served again ${recovered.endedAt - strandedAt} ms after the connections went silent; ` +
          `${load.answers.filter((a) => a.status === 503).length} answered 503 meanwhile, max ${Math.max(...load.answers.map((a) => a.ms))} ms; ${durable.successes} successes`,
      );
    } finally {
      // Stopped here too: a failed assertion must not leave the load running forever.
      await load.stop();
      await running.close();
      await proxy.stop();
      await database.drop();
    }
  });

  it('the service’s sessions terminated (pg_terminate_backend) under load: 503 or 200, never 500, and back at once', async (t) => {
    const database = await seededPostgres();
    const { running, auth } = await serve(database.url);
    const base = running.url;
    const dbName = new URL(database.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: PG });
    await admin.connect();
    const load = startLoad(base, auth);
    try {
      await sleep(1000);
      const kills: number[] = [];
      let terminated = 0;
      for (let i = 0; i < 3; i++) {
        kills.push(Date.now());
        const r = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [dbName]);
        terminated += r.rowCount ?? 0;
        await sleep(800);
      }
      const lastKill = kills.at(-1)!;
      assert.ok(await waitFor(() => firstSuccessAfter(load.answers, lastKill) !== undefined, 5000), 'no success after the last termination');
      const recovered = firstSuccessAfter(load.answers, lastKill)!;
      await sleep(1000);
      await load.stop();

      assert.ok(terminated >= 3, `terminated ${terminated} sessions`);
      assertShapes(load.answers);
      const after = load.answers.filter((a) => a.startedAt > recovered.endedAt);
      assert.ok(after.length >= 10);
      for (const a of after) assert.equal(a.status, 200, `request ${a.seq} after recovery`);
      const failed = load.answers.filter((a) => a.status === 503).length;
      const durable = await assertDurable(database.url, load.answers);
      t.diagnostic(
        `terminate: ${terminated} sessions ended in 3 rounds; ${failed} of ${load.answers.length} requests answered 503; ` +
          `first success ${recovered.endedAt - lastKill} ms after the last round; ${durable.successes} successes`,
      );
    } finally {
      // Stopped here too: a failed assertion must not leave the load running forever.
      await load.stop();
      await admin.end();
      await running.close();
      await database.drop();
    }
  });
});

describe('SQLite that stays locked', () => {
  it('a write that waits out the busy timeout answers 503 busy, and the next one succeeds', async () => {
    const s = await seededApp('sqlite');
    const auth = `Bearer ${await s.app.deps.auth.issueAccessToken(CASHIER)}`;
    const other = new SQLite(s.t.store.file!);
    try {
      other.exec('begin immediate');
      const t0 = Date.now();
      const res = await s.app.inject({
        method: 'POST',
        url: '/api/client/ClientUpdate',
        headers: { 'content-type': 'application/json', authorization: auth },
        payload: JSON.stringify({ Client: 1, Name: 'Занято' }),
      });
      const ms = Date.now() - t0;
      assert.equal(res.statusCode, 503);
      assert.equal(res.headers['retry-after'], '5');
      assert.deepEqual(res.json(), { Message: BUSY });
      assert.ok(ms < 8000, `took ${ms} ms`);
      other.exec('rollback');
      const again = await s.app.inject({
        method: 'POST',
        url: '/api/client/ClientUpdate',
        headers: { 'content-type': 'application/json', authorization: auth },
        payload: JSON.stringify({ Client: 1, Name: 'Свободно' }),
      });
      assert.equal(again.statusCode, 200);
      assert.deepEqual(again.json(), { ErrorCode: 0, Message: '' });
      const row = other.prepare('select name, version from participants where id = 1').get() as { name: string; version: number };
      assert.equal(row.name, 'Свободно');
      assert.equal(row.version, 1, 'the refused write left nothing behind');
    } finally {
      other.close();
      await s.close();
    }
  });
});
