// Several server processes on one PostgreSQL: two separate `lcm serve` processes on their
// own ports (A, B) and one `lcm serve --workers 2` (C), all started without LCM_JWT_SECRET
// (the first generates it into the settings table, the others read it). A change made
// through one is seen through the others at once; tokens, refresh tokens and sign-in
// throttling work across them; every webhook event is delivered once and in order while
// all of them dispatch; concurrent updates across them lose nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { seededDatabase } from '../helpers/app.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { freePort } from '../helpers/net.ts';
import { ROOT, runLcm } from '../helpers/cli.ts';
import { startReceiver } from '../history/support.ts';
import type { Receiver } from '../history/support.ts';

const PG = process.env.LCM_TEST_PG;
const BIN = path.join(ROOT, 'bin/lcm.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Served {
  name: string;
  base: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM, then the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

/** Spawns `lcm serve` and waits until `listeners` processes print that they serve. */
async function serve(name: string, database: string, extra: string[] = [], listeners = 1): Promise<Served> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, LCM_JWT_SECRET: '', LCM_WEBHOOK_POLL_MS: '100', LCM_LOG_LEVEL: 'warn' };
  const child = spawn(process.execPath, [BIN, 'serve', '--database', database, '--port', String(port), ...extra], { cwd: ROOT, env });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 90_000;
  while ((out.match(/lcm serving /g) ?? []).length < listeners) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not start:\n${out}\n${err}`);
    await sleep(100);
  }
  return {
    name,
    base: `http://127.0.0.1:${port}`,
    child,
    stdout: () => out,
    stderr: () => err,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

async function post(base: string, url: string, body: unknown, auth?: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function login(base: string, fields: Record<string, string>): Promise<{ status: number; json: any; retryAfter: string | null }> {
  const res = await fetch(`${base}/ManagerLogin`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
  return { status: res.status, json: await res.json(), retryAfter: res.headers.get('retry-after') };
}

async function getClient(base: string, auth: string, id: number): Promise<Record<string, unknown>> {
  const r = await post(base, '/api/client/GetClient', { ClientID: id }, auth);
  assert.equal(r.status, 200);
  assert.equal(r.json.ErrorCode, 0);
  return r.json.ClientData;
}

interface HistoryRow {
  id: number;
  fields: { Field: string; Old: unknown; New: unknown }[];
}

describe('scale-out: several server processes on one PostgreSQL', { skip: PG ? false : 'LCM_TEST_PG is not set' }, () => {
  let database: TestDatabase;
  let admin: pg.Client;
  let a: Served;
  let b: Served;
  let c: Served;
  let all: Served[];
  let auth: string;
  let cMetricsPort: number;

  const history = async (client: number): Promise<HistoryRow[]> =>
    (await admin.query<{ id: string; fields: string }>('select id, fields from change_history where participant_id = $1 order by id', [client])).rows.map((r) => ({
      id: Number(r.id),
      fields: JSON.parse(r.fields),
    }));
  const version = async (client: number): Promise<number> => Number((await admin.query('select version from participants where id = $1', [client])).rows[0].version);

  before(async () => {
    database = await seededDatabase('postgres');
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    // A starts first and generates the JWT secret into the settings table; B and C read it.
    a = await serve('A', database.url);
    cMetricsPort = await freePort();
    [b, c] = await Promise.all([serve('B', database.url), serve('C', database.url, ['--workers', '2', '--metrics-port', String(cMetricsPort)], 2)]);
    all = [a, b, c];
    const signedIn = await login(a.base, { grant_type: 'password', username: 'cashier', password: 'secret' });
    assert.equal(signedIn.status, 200);
    auth = `Bearer ${signedIn.json.access_token}`;
  });

  after(async () => {
    const codes = await Promise.all((all ?? [a, b, c].filter(Boolean)).map((s) => s.stop()));
    await admin?.end();
    await database?.drop();
    // Graceful: every process (C's primary after its workers) exits 0 on SIGTERM.
    assert.deepEqual(codes, codes.map(() => 0), `exit codes ${codes}`);
  });

  it('the JWT secret is generated once and shared through the database', async () => {
    const rows = await admin.query("select value from settings where key = 'jwt_secret'");
    assert.equal(rows.rowCount, 1);
    // A token issued by A is accepted by B and by C's workers.
    for (const s of all) assert.equal((await getClient(s.base, auth, 1)).id, 1);
    // pino logs to standard output.
    assert.match(a.stdout(), /generated a JWT secret and stored it in the database/);
    assert.doesNotMatch(b.stdout() + c.stdout(), /generated a JWT secret/);
  });

  it('--workers 2 runs two worker processes that share the port', async () => {
    const pids = [...c.stdout().matchAll(/lcm serving .*pid (\d+)\)/g)].map((m) => Number(m[1]));
    assert.equal(new Set(pids).size, 2);
    assert.ok(!pids.includes(c.child.pid!), 'the primary does not serve');
    // Connections reach both workers in turn; each counts its own requests in /metrics (an
    // odd total, so the two counts differ), and the primary's --metrics-port sums them.
    const HEALTH = /^lcm_http_requests_total\{route="\/health",method="GET",status="200"\} (\d+)$/m;
    for (let i = 0; i < 41; i++) {
      const r = await fetch(`${c.base}/health`, { headers: { connection: 'close' } });
      assert.equal(r.status, 200);
    }
    const perWorker = new Set<number>();
    for (let i = 0; i < 10; i++) {
      const text = await (await fetch(`${c.base}/metrics`, { headers: { connection: 'close' } })).text();
      perWorker.add(Number(HEALTH.exec(text)?.[1] ?? 0));
    }
    assert.equal(perWorker.size, 2, `per-worker counts ${[...perWorker]}`);
    assert.equal([...perWorker].reduce((x, y) => x + y, 0), 41);
    const summed = await (await fetch(`http://127.0.0.1:${cMetricsPort}/metrics`)).text();
    assert.equal(Number(HEALTH.exec(summed)?.[1]), 41);
    assert.match(summed, /^lcm_group_commit_largest_batch \d+$/m);
  });

  it('a change made through one process is seen through the others at once', async () => {
    for (const [writer, readers] of [
      [a, [b, c]],
      [b, [a, c]],
      [c, [a, b]],
    ] as const) {
      const name = `Через-${writer.name}`;
      const r = await post(writer.base, '/api/client/ClientUpdate', { Client: 1, Name: name, Email: `via-${writer.name.toLowerCase()}@example.ru` }, auth);
      assert.deepEqual(r.json, { ErrorCode: 0, Message: '' });
      for (const reader of readers) {
        const seen = await getClient(reader.base, auth, 1);
        assert.equal(seen.firstname, name, `${reader.name} sees ${writer.name}'s change`);
        assert.equal(seen.email, `via-${writer.name.toLowerCase()}@example.ru`);
      }
      const shown = await runLcm(['client', 'show', '1', '--database', database.url]);
      assert.equal(shown.code, 0, shown.stderr);
      assert.equal(JSON.parse(shown.stdout).Name, name);
    }
  });

  it('a refresh token issued by one process works once, on any other', async () => {
    const first = await login(a.base, { grant_type: 'password', username: 'cashier', password: 'secret' });
    assert.equal(first.status, 200);
    const r1 = String(first.json.refresh_token);
    const onB = await login(b.base, { grant_type: 'refresh_token', refresh_token: r1 });
    assert.equal(onB.status, 200);
    const r2 = String(onB.json.refresh_token);
    assert.notEqual(r2, r1);
    // The access token B issued works on C and A.
    for (const s of [c, a]) assert.equal((await getClient(s.base, `Bearer ${onB.json.access_token}`, 2)).id, 2);
    // The rotated token is refused everywhere, also on the process that issued it.
    for (const s of all) {
      const reuse = await login(s.base, { grant_type: 'refresh_token', refresh_token: r1 });
      assert.equal(reuse.status, 401, `reuse on ${s.name}`);
      assert.equal(reuse.json.error, 'invalid_grant');
    }
    const onC = await login(c.base, { grant_type: 'refresh_token', refresh_token: r2 });
    assert.equal(onC.status, 200);
    // Two processes racing with the same token: exactly one wins.
    const r3 = String(onC.json.refresh_token);
    const race = await Promise.all(all.map((s) => login(s.base, { grant_type: 'refresh_token', refresh_token: r3 })));
    assert.deepEqual(race.map((x) => x.status).sort(), [200, 401, 401]);
  });

  it('failed sign-ins are counted across processes: the sixth attempt is locked on every one', async () => {
    const targets = [a, b, c, a, b];
    for (const [i, s] of targets.entries()) {
      const r = await login(s.base, { grant_type: 'password', username: 'other', password: `guess-${i}` });
      assert.equal(r.status, 401, `failure ${i + 1} on ${s.name}`);
    }
    for (const s of all) {
      const r = await login(s.base, { grant_type: 'password', username: 'other', password: 'other-secret' });
      assert.equal(r.status, 429, `locked on ${s.name}`);
      assert.ok(Number(r.retryAfter) >= 1 && Number(r.retryAfter) <= 60);
    }
  });

  it('no lost update: concurrent changes of different fields across processes all take effect', async () => {
    const before1 = await version(2);
    const rows0 = (await history(2)).length;
    const fields = (round: number) => [
      { Name: `Имя-${round}` },
      { Surname: `Фамилия-${round}` },
      { Patronymic: `Отчество-${round}` },
      { Email: `r${round}@example.ru` },
      { Phone: 79165550100 + round },
      { ContragentId: `ERP-${round}` },
    ];
    let changes = 0;
    for (let round = 1; round <= 6; round++) {
      const answers = await Promise.all(fields(round).map((f, i) => post(all[i % 3]!.base, '/api/client/ClientUpdate', { Client: 2, ...f }, auth)));
      for (const x of answers) assert.deepEqual(x.json, { ErrorCode: 0, Message: '' });
      changes += answers.length;
    }
    const seen = await getClient(b.base, auth, 2);
    assert.equal(seen.firstname, 'Имя-6');
    assert.equal(seen.lastname, 'Фамилия-6');
    assert.equal(seen.middlename, 'Отчество-6');
    assert.equal(seen.email, 'r6@example.ru');
    assert.equal(seen.phone, 79165550106);
    assert.equal(seen.contragentid, 'ERP-6');
    assert.equal((await history(2)).length - rows0, changes);
    assert.equal((await version(2)) - before1, changes);
  });

  it('no lost update: concurrent changes of the same field across processes form one unbroken history', async () => {
    const participants = [1, 2];
    const start = new Map<number, { version: number; rows: number; name: unknown }>();
    for (const p of participants) {
      const seen = await getClient(a.base, auth, p);
      start.set(p, { version: await version(p), rows: (await history(p)).length, name: seen.firstname });
    }
    const successes = new Map<number, string[]>([
      [1, []],
      [2, []],
    ]);
    let n = 0;
    // 3 processes × 6 concurrent callers × 10 requests, each setting a unique Name.
    await Promise.all(
      Array.from({ length: 18 }, async (_, caller) => {
        const s = all[caller % 3]!;
        for (let i = 0; i < 10; i++) {
          const p = participants[(caller + i) % 2]!;
          const name = `N${++n}`;
          const r = await post(s.base, '/api/client/ClientUpdate', { Client: p, Name: name }, auth);
          assert.equal(r.status, 200);
          assert.deepEqual(r.json, { ErrorCode: 0, Message: '' });
          successes.get(p)!.push(name);
        }
      }),
    );
    for (const p of participants) {
      const rows = (await history(p)).slice(start.get(p)!.rows);
      const names = rows.map((r) => r.fields.find((f) => f.Field === 'Name'));
      // One history row per acknowledged change, and the version moved by as many.
      assert.equal(rows.length, successes.get(p)!.length);
      assert.equal((await version(p)) - start.get(p)!.version, rows.length);
      assert.deepEqual(new Set(names.map((f) => f?.New)), new Set(successes.get(p)));
      // Each change saw the one before it: Old is the previous New, so none was overwritten unseen.
      let previous = start.get(p)!.name;
      for (const f of names) {
        assert.equal(f?.Old, previous);
        previous = f?.New;
      }
      assert.equal((await getClient(c.base, auth, p)).firstname, previous);
    }
  });

  it('each webhook event is delivered once and in order while every process dispatches', async () => {
    const receiver: Receiver = await startReceiver();
    try {
      const added = await runLcm(['webhook', 'add', '--operator', '1', '--url', receiver.url, '--secret', 'scale-out-secret', '--database', database.url]);
      assert.equal(added.code, 0, added.stderr);
      const firstEvent = Number((await admin.query('select coalesce(max(id), 0) as id from change_events')).rows[0].id);
      let n = 0;
      await Promise.all(
        Array.from({ length: 9 }, async (_, caller) => {
          const s = all[caller % 3]!;
          for (let i = 0; i < 8; i++) {
            const p = 1 + ((caller + i) % 2);
            const r = await post(s.base, '/api/client/ClientUpdate', { Client: p, Name: `W${++n}` }, auth);
            assert.deepEqual(r.json, { ErrorCode: 0, Message: '' });
          }
        }),
      );
      const events = (
        await admin.query<{ event_id: string; participant_id: string }>('select event_id, participant_id from change_events where id > $1 and operator_id = 1 order by id', [firstEvent])
      ).rows;
      assert.equal(events.length, 72);
      const deadline = Date.now() + 30_000;
      while (receiver.acknowledged().length < events.length && Date.now() < deadline) await sleep(50);
      await sleep(500); // a duplicate would arrive now
      const got = receiver.requests.map((r) => r.json.EventId);
      assert.equal(got.length, events.length, 'every event delivered, none twice');
      assert.equal(new Set(got).size, got.length);
      assert.deepEqual(new Set(got), new Set(events.map((e) => e.event_id)));
      for (const p of [1, 2]) {
        const committed = events.filter((e) => Number(e.participant_id) === p).map((e) => e.event_id);
        const delivered = receiver.requests.filter((r) => r.json.Client === p).map((r) => r.json.EventId);
        assert.deepEqual(delivered, committed, `participant ${p}: delivered in commit order`);
      }
      const pending = await admin.query("select count(*) as n from webhook_deliveries where status <> 'delivered'");
      assert.equal(Number(pending.rows[0].n), 0);
    } finally {
      await receiver.close();
      await admin.query('delete from webhook_deliveries');
      await admin.query('delete from webhooks');
    }
  });

  it('a worker that dies is replaced, and the port keeps serving', async (t) => {
    const pids = [...c.stdout().matchAll(/lcm serving .*pid (\d+)\)/g)].map((m) => Number(m[1]));
    const fresh = { connection: 'close' };
    process.kill(pids[0]!, 'SIGKILL');
    const killedAt = Date.now();
    let answered = 0;
    let lost = 0;
    const deadline = Date.now() + 60_000;
    while ((c.stdout().match(/lcm serving /g) ?? []).length < 3 && Date.now() < deadline) {
      // Meanwhile the other worker answers. A connection handed to the dying worker at the
      // moment it died is lost (node:cluster cannot take it back): at most one or two.
      const r = await fetch(`${c.base}/health`, { headers: fresh, signal: AbortSignal.timeout(3000) }).catch(() => undefined);
      if (r) {
        assert.equal(r.status, 200);
        answered++;
      } else lost++;
      await sleep(200);
    }
    const replacedAfter = Date.now() - killedAt;
    assert.match(c.stderr(), new RegExp(`worker ${pids[0]} exited \\(SIGKILL\\); starting another in \\d+ ms`));
    assert.equal((c.stdout().match(/lcm serving /g) ?? []).length, 3, 'a third worker started');
    assert.ok(answered > 0 && lost <= 2, `answered ${answered}, lost ${lost} while the worker was replaced`);
    // Both workers serve again: every request on a fresh connection is answered.
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${c.base}/api/client/GetClient`, {
        method: 'POST',
        headers: { ...fresh, 'content-type': 'application/json', authorization: auth },
        body: JSON.stringify({ ClientID: 1 }),
        signal: AbortSignal.timeout(5000),
      });
      assert.equal(r.status, 200);
    }
    t.diagnostic(`worker replaced: ${answered} answered, ${lost} lost meanwhile, new worker serving ${replacedAfter} ms after the kill`);
  });
});
