// lcm behind a real PgBouncer (Debian's 1.18) in transaction mode, configured with
// docs/pgbouncer.ini as it is (test/helpers/pgbouncer.ts): `lcm migrate` on the direct URL,
// `lcm serve` through the pooler with named prepared statements on (the default), two
// processes with concurrent updates, the schema check at start, the pooler restarted under
// load, and a statement past LCM_DB_TIMEOUT_MS cancelled by PostgreSQL through the pooler.
// (The ClientUpdate, ClientCreate, sign-in, Idempotency-Key and console suites also run through it: scripts/run-tests.js.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { Migrator } from 'kysely';
import { createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import fs from 'node:fs';
import { PGBOUNCER_INI, PgBouncer, testIni } from '../helpers/pgbouncer.ts';
import { freePort } from '../helpers/net.ts';
import { ROOT, runLcm } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import { openStore } from '../../src/db/store.ts';
import { seed } from '../../src/seed/fixtures.ts';
import { migrationProvider } from '../../src/db/migrations/index.ts';

const PG = process.env.LCM_TEST_PG;
const BIN = path.join(ROOT, 'bin/lcm.js');
const SECRET = 'pooler-secret-0123456789abcdef0123456789';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Served {
  base: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<number | null>;
}

/** Spawns `lcm serve --database <database>` and waits until it serves (or exits). */
async function serve(database: string, env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve', '--database', database, '--port', String(port)], {
    cwd: ROOT,
    env: { ...process.env, LCM_JWT_SECRET: SECRET, LCM_LOG_LEVEL: 'warn', ...env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!out.includes('lcm serving ') && child.exitCode === null) {
    if (Date.now() > deadline) throw new Error(`lcm serve did not start:\n${out}\n${err}`);
    await sleep(50);
  }
  await sleep(10); // the exit code of a refused start
  return {
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

async function post(base: string, url: string, body: unknown, auth?: string): Promise<{ status: number; retryAfter: string | null; json: any }> {
  const res = await fetch(`${base}${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: await res.json() };
}

async function signIn(base: string): Promise<string> {
  const res = await fetch(`${base}/ManagerLogin`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=password&username=cashier&password=secret',
  });
  assert.equal(res.status, 200);
  return `Bearer ${((await res.json()) as { access_token: string }).access_token}`;
}

/** A database migrated with `lcm migrate` on its direct URL (LCM_MIGRATE_DATABASE) and loaded with the fixtures. */
async function migratedDatabase(bouncer: PgBouncer): Promise<{ database: TestDatabase; pooled: string }> {
  const database = await createTestDatabase('postgres', { pooled: false });
  const pooled = bouncer.url(database.direct);
  const migrated = await runLcm(['migrate'], { LCM_DATABASE: pooled, LCM_MIGRATE_DATABASE: database.direct });
  assert.equal(migrated.code, 0, migrated.stderr);
  assert.match(migrated.stdout, /^Applied: 0001-initial, /);
  const store = await openStore(database.direct);
  try {
    await seed(store.db, store.engine, FIXTURES);
  } finally {
    await store.close();
  }
  return { database, pooled };
}

/**
 * Each participant's history since `from`: every acknowledged change is there, and each
 * change saw the one before it. A change answered 503 may be there too (its commit went
 * through while the answer could not: docs/deploy.md#database-outages), none other.
 */
async function checkHistory(admin: pg.Client, acknowledged: Map<number, string[]>, from: Map<number, { rows: number; name: unknown }>, unanswered: ReadonlySet<string> = new Set()): Promise<void> {
  for (const [p, names] of acknowledged) {
    const rows = (await admin.query<{ fields: string }>('select fields from change_history where participant_id = $1 order by id', [p])).rows.slice(from.get(p)!.rows);
    const changes = rows.map((r) => (JSON.parse(r.fields) as { Field: string; Old: unknown; New: unknown }[]).find((f) => f.Field === 'Name')!);
    const stored = new Set(changes.map((c) => c.New as string));
    assert.equal(stored.size, changes.length, 'no change stored twice');
    for (const name of names) assert.ok(stored.has(name), `participant ${p}: acknowledged ${name} is stored`);
    for (const name of stored) assert.ok(names.includes(name) || unanswered.has(name), `participant ${p}: ${name} was sent`);
    let previous = from.get(p)!.name;
    for (const c of changes) {
      assert.equal(c.Old, previous, 'each change saw the one before it');
      previous = c.New;
    }
    const now = (await admin.query<{ name: string }>('select name from participants where id = $1', [p])).rows[0]!.name;
    assert.equal(now, previous);
  }
}

async function historyStart(admin: pg.Client, participants: number[]): Promise<Map<number, { rows: number; name: unknown }>> {
  const start = new Map<number, { rows: number; name: unknown }>();
  for (const p of participants) {
    const rows = Number((await admin.query('select count(*) as n from change_history where participant_id = $1', [p])).rows[0].n);
    const name = (await admin.query('select name from participants where id = $1', [p])).rows[0].name;
    start.set(p, { rows, name });
  }
  return start;
}

describe('the PgBouncer configuration of the docs', () => {
  it('docs/deploy.md shows the settings of docs/pgbouncer.ini, and the tests change only listen_port and auth_file', () => {
    const settings = (text: string) => text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith(';'));
    const file = settings(fs.readFileSync(PGBOUNCER_INI, 'utf8'));
    const deploy = fs.readFileSync(path.join(ROOT, 'docs/deploy.md'), 'utf8');
    const shown = settings(/```ini\n([\s\S]*?)```/.exec(deploy)![1]!);
    assert.deepEqual(shown, file);
    assert.ok(file.includes('pool_mode = transaction'));
    assert.ok(!file.some((l) => l.startsWith('ignore_startup_parameters')));
    const changed = settings(testIni(7777, '/tmp/x/userlist.txt')).filter((l, i) => l !== file[i]);
    assert.deepEqual(changed, ['listen_port = 7777', 'auth_file = /tmp/x/userlist.txt']);
  });
});

describe('lcm behind PgBouncer in transaction mode', { skip: PG ? false : 'LCM_TEST_PG is not set' }, () => {
  let bouncer: PgBouncer;
  before(async () => {
    bouncer = await PgBouncer.start();
  });
  after(() => bouncer?.dispose());

  it('two processes through one pooler, named prepared statements on: concurrent updates all answered 200, every acknowledged change stored', async (t) => {
    const { database, pooled } = await migratedDatabase(bouncer);
    const admin = new pg.Client({ connectionString: database.direct });
    await admin.connect();
    // Kysely's migration lock held elsewhere: a start on a current schema must not wait for it.
    const locker = new pg.Client({ connectionString: database.direct });
    await locker.connect();
    await locker.query('select pg_advisory_lock(3853314791062309107)');
    const servers: Served[] = [];
    try {
      servers.push(...(await Promise.all([serve(pooled), serve(pooled)])));
      for (const s of servers) assert.match(s.stdout(), /lcm serving /, s.stderr());
      await locker.end();
      const auth = await signIn(servers[0]!.base);
      const participants = [1, 2];
      const start = await historyStart(admin, participants);
      const acknowledged = new Map<number, string[]>(participants.map((p) => [p, []]));
      let n = 0;
      // 2 processes × 8 callers × 12 requests, each setting a unique Name.
      await Promise.all(
        Array.from({ length: 16 }, async (_, caller) => {
          const s = servers[caller % 2]!;
          for (let i = 0; i < 12; i++) {
            const p = participants[(caller + i) % 2]!;
            const name = `P${++n}`;
            const r = await post(s.base, '/api/client/ClientUpdate', { Client: p, Name: name }, auth);
            assert.equal(r.status, 200, JSON.stringify(r.json));
            assert.deepEqual(r.json, { ErrorCode: 0, Message: '' });
            acknowledged.get(p)!.push(name);
          }
        }),
      );
      await checkHistory(admin, acknowledged, start);
      const refusals = servers.filter((s) => /does not keep prepared statements/.test(s.stderr())).length;
      t.diagnostic(`${n} updates through PgBouncer; ${refusals} of 2 processes met a refused prepared statement and went on unnamed`);
      // PgBouncer 1.18 does not keep them: the refusal did happen, and no request saw it.
      assert.ok(refusals >= 1, 'a prepared statement was refused by the pooler');
      for (const s of servers) assert.doesNotMatch(s.stderr(), /unsupported startup parameter|Internal Server Error/);
    } finally {
      await locker.end().catch(() => {});
      await Promise.all(servers.map((s) => s.stop()));
      await admin.end();
      await database.drop();
    }
  });

  it('serve checks the schema: an older one is refused in one line naming lcm migrate; an empty one gets its schema at the first start through the pooler, leaving no lock', async () => {
    const older = await createTestDatabase('postgres', { pooled: false });
    const empty = await createTestDatabase('postgres', { pooled: false });
    try {
      const store = await openStore(older.direct);
      try {
        const { error } = await new Migrator({ db: store.db, provider: migrationProvider }).migrateTo('0002-auth');
        assert.equal(error, undefined);
      } finally {
        await store.close();
      }
      // Every migration after 0002-auth, as the migrations index lists them (0003 … 0006 and later ones).
      const names = Object.keys(await migrationProvider.getMigrations());
      const later = names.slice(names.indexOf('0002-auth') + 1);
      assert.ok(later.includes('0006-sign-in'));
      const refused = await runLcm(['serve', '--port', '0', '--database', bouncer.url(older.direct)], { LCM_JWT_SECRET: SECRET });
      assert.equal(refused.code, 1);
      assert.equal(refused.stderr, `lcm: the database schema is older than this release (missing ${later.join(', ')}): run \`lcm migrate\` against it (docs/deploy.md#migrations), then start again\n`);
      const migrated = await runLcm(['migrate', '--database', older.direct]);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.equal(migrated.stdout, `Applied: ${later.join(', ')}\n`);

      // Two first starts at once on an empty database, through the pooler.
      const pooled = bouncer.url(empty.direct);
      const servers = await Promise.all([serve(pooled), serve(pooled)]);
      try {
        for (const s of servers) assert.match(s.stdout(), /lcm serving /, s.stderr());
        // One of them created the demo data, and the password it printed is the one that works.
        const printed = servers.flatMap((s) => [...s.stdout().matchAll(/Demo data created\. Manager login: demo {2}password: (\S+)/g)].map((m) => m[1]!));
        assert.equal(printed.length, 1, 'the demo data created once');
        const signedIn = await fetch(`${servers[1]!.base}/ManagerLogin`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'password', username: 'demo', password: printed[0]! }).toString(),
        });
        assert.equal(signedIn.status, 200);
        const admin = new pg.Client({ connectionString: empty.direct });
        await admin.connect();
        try {
          const applied = (await admin.query('select name from kysely_migration order by name')).rows.map((r) => r.name);
          assert.deepEqual(applied, Object.keys(await migrationProvider.getMigrations()));
          const locks = await admin.query("select count(*) as n from pg_locks where locktype = 'advisory'");
          assert.equal(Number(locks.rows[0].n), 0, 'no advisory lock left on any server connection');
        } finally {
          await admin.end();
        }
      } finally {
        await Promise.all(servers.map((s) => s.stop()));
      }
    } finally {
      await older.drop();
      await empty.drop();
    }
  });

  it('the pooler restarted under load: 503 with Retry-After meanwhile, then served again without restarting lcm, every acknowledged change stored', async (t) => {
    const { database, pooled } = await migratedDatabase(bouncer);
    const admin = new pg.Client({ connectionString: database.direct });
    await admin.connect();
    const server = await serve(pooled, { LCM_DB_TIMEOUT_MS: '3000' });
    try {
      const auth = await signIn(server.base);
      const participants = [1, 2];
      const start = await historyStart(admin, participants);
      const acknowledged = new Map<number, string[]>(participants.map((p) => [p, []]));
      const statuses = new Map<number, number>();
      let unavailable = 0;
      const unanswered = new Set<string>();
      let afterRestart = 0;
      let restarted = false;
      let stop = false;
      let n = 0;
      const load = Promise.all(
        Array.from({ length: 6 }, async (_, caller) => {
          while (!stop) {
            const p = participants[caller % 2]!;
            const name = `R${++n}`;
            const r = await post(server.base, '/api/client/ClientUpdate', { Client: p, Name: name }, auth);
            statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
            if (r.status === 200) {
              assert.deepEqual(r.json, { ErrorCode: 0, Message: '' });
              acknowledged.get(p)!.push(name);
              if (restarted) afterRestart++;
            } else {
              assert.equal(r.status, 503, JSON.stringify(r.json));
              assert.equal(r.retryAfter, '5');
              assert.match(r.json.Message, /^The service is temporarily unavailable/);
              unavailable++;
              unanswered.add(name);
              await sleep(50);
            }
          }
        }),
      );
      await sleep(1000);
      const before = acknowledged.get(1)!.length + acknowledged.get(2)!.length;
      await bouncer.restart(1500);
      restarted = true;
      const deadline = Date.now() + 30_000;
      while (afterRestart < 50 && Date.now() < deadline) await sleep(100);
      stop = true;
      await load;
      t.diagnostic(`answers: ${JSON.stringify(Object.fromEntries(statuses))}; ${before} acknowledged before the restart, ${afterRestart} after`);
      assert.ok(before > 0, 'served before the restart');
      assert.ok(unavailable > 0, 'answered 503 while the pooler was down');
      assert.ok(afterRestart >= 50, 'served again after the restart');
      assert.deepEqual([...statuses.keys()].sort(), [200, 503]);
      await checkHistory(admin, acknowledged, start, unanswered);
      assert.equal(server.child.exitCode, null, 'the same lcm process throughout');
    } finally {
      await server.stop();
      await admin.end();
      await database.drop();
    }
  });

  it('a statement past LCM_DB_TIMEOUT_MS is cancelled by PostgreSQL through the pooler: 503, and the server stops waiting while the lock is still held', async () => {
    const { database, pooled } = await migratedDatabase(bouncer);
    const locker = new pg.Client({ connectionString: database.direct });
    const watcher = new pg.Client({ connectionString: database.direct });
    await locker.connect();
    await watcher.connect();
    const server = await serve(pooled, { LCM_DB_TIMEOUT_MS: '1500' });
    const waiting = async () =>
      Number(
        (await watcher.query("select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'")).rows[0]
          .n,
      );
    try {
      const auth = await signIn(server.base);
      await locker.query('begin');
      await locker.query('select * from participants where id = 1 for update');
      const answer = post(server.base, '/api/client/ClientUpdate', { Client: 1, Name: 'Заблокирован' }, auth);
      let seenWaiting = false;
      for (let i = 0; i < 100 && !seenWaiting; i++) {
        seenWaiting = (await waiting()) > 0;
        if (!seenWaiting) await sleep(20);
      }
      assert.ok(seenWaiting, 'the update waits for the row lock');
      const r = await answer;
      assert.equal(r.status, 503);
      assert.equal(r.retryAfter, '5');
      // PostgreSQL itself gave up (statement_timeout through the pooler), while the lock is still held.
      const deadline = Date.now() + 10_000;
      while ((await waiting()) > 0 && Date.now() < deadline) await sleep(100);
      assert.equal(await waiting(), 0, 'the waiting statement was cancelled by the server');
      await locker.query('rollback');
      const unchanged = (await watcher.query('select name from participants where id = 1')).rows[0].name;
      assert.equal(unchanged, 'Иван');
      // The process serves on.
      const ok = await post(server.base, '/api/client/ClientUpdate', { Client: 1, Name: 'Свободен' }, auth);
      assert.deepEqual(ok.json, { ErrorCode: 0, Message: '' });
    } finally {
      await locker.end().catch(() => {});
      await watcher.end();
      await server.stop();
      await database.drop();
    }
  });
});
