// Crashes (issue 10): the real server, under concurrent ClientUpdate load, is killed with
// SIGKILL at a random moment, five times per engine, and restarted on the same database.
// After each restart every update that was answered 200/ErrorCode 0 is in the database,
// and nothing is half-applied (support/verify.ts). Issue 9's "a crash before the commit
// acknowledges nothing" is tested through clientUpdateQueue on a store opened as a serving
// process opens it (support/crash-child.ts).
//
// The random moments and request contents come from one seed, printed at the start; set
// LCM_CRASH_SEED to repeat a run's choices (the kill still lands wherever the load has got to).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import { ENGINES, createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import { ROOT } from '../helpers/cli.ts';
import type { Fixtures } from '../../src/seed/fixtures.ts';
import { seed } from '../../src/seed/fixtures.ts';
import { openStore } from '../../src/db/store.ts';
import type { Engine } from '../../src/db/store.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { addWebhook } from '../../src/webhooks/store/webhooks.ts';
import { killServe, managerBearer, rng, startLoad, startServe } from './support/load.ts';
import type { Sent, ServerProcess } from './support/load.ts';
import { snapshot, verifyDatabase } from './support/verify.ts';
import type { Baseline } from './support/verify.ts';

const SEED = process.env.LCM_CRASH_SEED ? Number(process.env.LCM_CRASH_SEED) : Math.floor(Math.random() * 2 ** 31);
console.log(`# crash test seed ${SEED} (repeat with LCM_CRASH_SEED=${SEED})`);

const ROUNDS = 5;
const SECRET = 'crash-test-secret-0123456789abcdef0123';
/** Operator 1's participants under load: the fixtures' two and six more. */
const LOADED = [1, 2, 101, 102, 103, 104, 105, 106];
const CRASH_FIXTURES: Fixtures = {
  ...FIXTURES,
  clients: [
    ...FIXTURES.clients!,
    ...LOADED.filter((id) => id > 100).map((id) => ({ Client: id, Operator: 1, Name: `Load ${id}`, Phone: 79160000000 + id, Email: `load${id}@example.ru` })),
  ],
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Adds the seed, engine and round to a failure, so that it can be repeated. */
async function labelled<T>(label: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error) err.message = `${err.message}\n  [${label}, seed ${SEED}; repeat with LCM_CRASH_SEED=${SEED}]`;
    throw err;
  }
}

async function prepare(database: TestDatabase, webhookUrl: string): Promise<Map<number, Baseline>> {
  const store = await openStore(database.url);
  try {
    await migrateToLatest(store.db);
    await seed(store.db, store.engine, CRASH_FIXTURES);
    // Every change also fans out a webhook delivery in its transaction: one more table to keep whole.
    await addWebhook(store.db, { operatorId: 1, url: webhookUrl, secret: 'crash-webhook-secret' });
    return await snapshot(store.db);
  } finally {
    await store.close();
  }
}

/** SQLite after a restart: still WAL (persistent in the file), and the file is sound. */
function checkSqliteFile(file: string): void {
  const conn = new SQLite(file, { readonly: true });
  try {
    assert.equal(conn.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(conn.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    conn.close();
  }
}

class Rollback extends Error {}

/**
 * The verification can fail: each tampering below (made in a transaction that is rolled
 * back) is what a half-applied or lost update would look like, and each must be caught.
 */
async function checkerCatches(database: string, baseline: Map<number, Baseline>, sent: Map<string, Sent>): Promise<void> {
  const store = await openStore(database);
  try {
    const last = await store.db.selectFrom('change_history').select(['id', 'participant_id']).orderBy('id', 'desc').executeTakeFirstOrThrow();
    const lastConsent = await store.db.selectFrom('consent_ledger').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
    const tamperings: [string, (tx: Kysely<Database>) => Promise<unknown>][] = [
      ['a field written without its history row', (tx) => tx.updateTable('participants').set({ surname: 'tampered' }).where('id', '=', last.participant_id).execute()],
      ['a version bumped without a history row', (tx) => tx.updateTable('participants').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', last.participant_id).execute()],
      ['a consent-ledger row missing', (tx) => tx.deleteFrom('consent_ledger').where('id', '=', lastConsent.id).execute()],
      [
        'a change event missing',
        async (tx) => {
          const e = await tx.selectFrom('change_events').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow();
          await tx.deleteFrom('webhook_deliveries').where('event_id', '=', e.id).execute();
          await tx.deleteFrom('change_events').where('id', '=', e.id).execute();
        },
      ],
      ['a history row no request sent', (tx) => tx.updateTable('change_history').set({ fields: '[{"Field":"Name","Old":null,"New":"x"}]' }).where('id', '=', last.id).execute()],
    ];
    for (const [what, tamper] of tamperings) {
      await assert.rejects(
        store.db.transaction().execute(async (tx) => {
          await tamper(tx);
          await assert.rejects(verifyDatabase(tx, baseline, sent), assert.AssertionError, `not caught: ${what}`);
          throw new Rollback();
        }),
        Rollback,
      );
    }
    // An acknowledged update that is not in the database.
    const lost = new Map(sent);
    lost.set('crash-lost', { seq: -1, round: 0, client: 1, expect: { Name: 'crash-lost' }, outcome: 'acked', answer: '200 (made up)' });
    await assert.rejects(verifyDatabase(store.db, baseline, lost), /acknowledged .* but is not in the database/);
    // And untouched, it passes.
    await verifyDatabase(store.db, baseline, sent);
  } finally {
    await store.close();
  }
}

interface RoundFigures {
  round: number;
  connections: number;
  killAfterMs: number;
  firstAckMs: number;
  acked: number;
  inFlight: number;
  inFlightApplied: number;
  walBytes: number | undefined;
  listenMs: number;
  healthyMs: number;
}

for (const [index, engine] of ENGINES.entries()) {
  describe(`crashes under load (${engine})`, () => {
    it(`SIGKILL at a random moment ${ROUNDS} times: every acknowledged update survives, nothing is half-applied`, async (t) => {
      const rand = rng(SEED + index * 7919);
      const database = await createTestDatabase(engine);
      const sink = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => res.end('ok'));
      });
      await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
      const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}/hook`;
      const env = { LCM_JWT_SECRET: SECRET, LCM_WEBHOOK_POLL_MS: '200' };
      let server: ServerProcess | undefined;
      try {
        const baseline = await prepare(database, sinkUrl);
        server = await startServe(database.url, env);
        t.diagnostic(`${engine} first start (no crash before it): listening ${Math.round(server.listenMs)} ms, healthy ${Math.round(server.healthyMs)} ms`);
        const authorization = await managerBearer(server.url, 'cashier', 'secret');
        const sent = new Map<string, Sent>();
        let seq = 0;
        const figures: RoundFigures[] = [];

        for (let round = 1; round <= ROUNDS; round++) {
          await labelled(`${engine}, round ${round}`, async () => {
            const connections = 16 + Math.floor(rand() * 17);
            const killAfterMs = 300 + Math.floor(rand() * 1200);
            const load = startLoad({
              url: server!.url,
              authorization,
              clients: LOADED,
              connections,
              rand,
              round,
              nextSeq: () => ++seq,
              record: (s) => sent.set(String(s.expect.Name), s),
            });
            // The random moment counts from the first acknowledged update: on a busy machine a
            // freshly started server can take a while to answer at all.
            const t0 = performance.now();
            await load.firstAck(20_000).catch((err: unknown) => {
              // A failing round must not leave its clients sending forever.
              load.halt();
              throw err;
            });
            const firstAckMs = Math.round(performance.now() - t0);
            await sleep(killAfterMs);
            load.halt();
            await killServe(server!);
            server = undefined;
            await load.settled();

            const mine = [...sent.values()].filter((s) => s.round === round);
            const refused = mine.filter((s) => s.outcome === 'refused');
            assert.deepEqual(refused.map((s) => s.answer), [], 'every answered request succeeded (values are unique, so none may conflict)');
            const acked = mine.filter((s) => s.outcome === 'acked').length;
            assert.ok(acked > 0, `no update acknowledged before the kill: the round proves nothing`);

            let walBytes: number | undefined;
            if (engine === 'sqlite') {
              // The kill leaves the WAL behind, not checkpointed: the restart must recover from it.
              walBytes = fs.statSync(`${database.url}-wal`).size;
              assert.ok(walBytes > 0, 'a WAL left by the killed server');
            }

            server = await startServe(database.url, env);
            if (engine === 'sqlite') checkSqliteFile(database.url);
            const store = await openStore(database.url);
            let verified;
            try {
              verified = await verifyDatabase(store.db, baseline, sent);
              if (engine === 'postgres') {
                const row = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(store.db);
                assert.equal(row.rows[0]!.synchronous_commit, 'on');
              }
            } finally {
              await store.close();
            }
            const inFlight = mine.filter((s) => s.outcome === 'in-flight');
            const f: RoundFigures = {
              round,
              connections,
              killAfterMs,
              firstAckMs,
              acked,
              inFlight: inFlight.length,
              inFlightApplied: inFlight.filter((s) => verified.applied.has(s.seq)).length,
              walBytes,
              listenMs: Math.round(server.listenMs),
              healthyMs: Math.round(server.healthyMs),
            };
            figures.push(f);
            t.diagnostic(
              `${engine} round ${round}: ${connections} connections, first answer after ${firstAckMs} ms, killed ${killAfterMs} ms later; ${f.acked} acknowledged, ` +
                `${f.inFlight} in flight (${f.inFlightApplied} of them applied)` +
                (walBytes === undefined ? '' : `, WAL ${walBytes} bytes`) +
                `; restart: listening ${f.listenMs} ms, healthy ${f.healthyMs} ms; history rows ${verified.historyRows}`,
            );
          });
        }
        await labelled(`${engine}, the checker itself`, () => checkerCatches(database.url, baseline, sent));
        // The restarted server takes writes again with the token issued before the first kill.
        const after = await fetch(`${server!.url}/api/client/ClientUpdate`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify({ Client: 1, Surname: 'After-the-crashes' }),
        });
        assert.deepEqual(await after.json(), { ErrorCode: 0, Message: '' });
        const total = figures.reduce((n, f) => n + f.acked, 0);
        t.diagnostic(`${engine}: ${total} acknowledged updates over ${ROUNDS} kills, all found; seed ${SEED}`);
      } finally {
        if (server) await killServe(server).catch(() => {});
        await new Promise((r) => sink.close(r));
        await database.drop();
      }
    });
  });
}

/** support/crash-child.ts as a child process: its stdout lines, and a way to wait for one. */
class CrashChild {
  readonly lines: string[] = [];
  readonly exited: Promise<string | null>;
  private readonly child;
  private err = '';
  private waiters: { prefix: string; resolve(line: string): void }[] = [];

  constructor(database: string, env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/reliability/support/crash-child.ts'), database, JSON.stringify(LOADED)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let buf = '';
    this.child.stderr.on('data', (d: Buffer) => (this.err += d.toString()));
    this.child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        this.lines.push(line);
        for (const w of this.waiters.filter((x) => line.startsWith(x.prefix))) w.resolve(line);
      }
    });
    // 'close', not 'exit': every line the child printed has been read by then.
    this.exited = new Promise((resolve) => this.child.once('close', (_code, signal) => resolve(signal)));
  }

  waitFor(prefix: string, ms = 30_000): Promise<string> {
    const seen = this.lines.find((l) => l.startsWith(prefix));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`crash child never printed "${prefix}":\n${this.lines.join('\n')}\n${this.err}`)), ms);
      void this.exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`crash child ended before "${prefix}":\n${this.lines.join('\n')}\n${this.err}`));
      });
      this.waiters.push({
        prefix,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  }

  send(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  async kill(): Promise<string | null> {
    this.child.kill('SIGKILL');
    return this.exited;
  }
}

/** The database after the kill: batch A whole, batch B not at all. */
async function checkOnlyBatchA(database: string, before: Map<number, Baseline>, child: CrashChild): Promise<void> {
  const acks = child.lines.filter((l) => l.startsWith('ack '));
  // Positive control: the first batch committed and was acknowledged, all of it.
  assert.deepEqual(
    acks.filter((l) => l.startsWith('ack A ')).sort(),
    LOADED.map((id) => `ack A ${id} 0`).sort(),
    `batch A acknowledged: ${child.lines.join(' | ')}`,
  );
  assert.deepEqual(acks.filter((l) => !l.startsWith('ack A ')), [], 'nobody of the killed batch was acknowledged');
  const store = await openStore(database);
  try {
    const rows = await store.db.selectFrom('participants').select(['id', 'name', 'version']).where('id', 'in', LOADED).orderBy('id').execute();
    assert.deepEqual(
      rows.map((r) => ({ id: r.id, name: r.name, version: r.version })),
      [...LOADED].sort((a, b) => a - b).map((id) => ({ id, name: `A-${id}`, version: before.get(id)!.version + 1 })),
      'batch A applied, batch B not at all',
    );
    const history = await store.db.selectFrom('change_history').select('fields').execute();
    assert.equal(history.length, LOADED.length, 'one history row per update of batch A, none of batch B');
    assert.ok(history.every((h) => h.fields.includes('"A-')), 'only batch A in the history');
    assert.equal((await store.db.selectFrom('change_events').select('id').execute()).length, LOADED.length, 'change events of batch A only');
    assert.equal((await store.db.selectFrom('consent_ledger').select('id').execute()).length, 0, 'no consent row (only batch B changed a consent)');
    const marker = await store.db.selectFrom('settings').select('value').where('key', '=', 'crash-child-marker').executeTakeFirst();
    assert.equal(marker, undefined, "the killed job's own write is gone");
  } finally {
    await store.close();
  }
}

async function prepareBatchDatabase(database: TestDatabase): Promise<Map<number, Baseline>> {
  const store = await openStore(database.url);
  try {
    await migrateToLatest(store.db);
    await seed(store.db, store.engine, CRASH_FIXTURES);
    return await snapshot(store.db);
  } finally {
    await store.close();
  }
}

const pollUntil = async <T>(what: string, probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> => {
  const t0 = Date.now();
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
};

/**
 * PostgreSQL, the last moment before the commit: a deferred constraint trigger (test-only,
 * on this test's database) makes the batch wait for an advisory lock the parent holds when
 * it commits — every statement of the batch done, the commit begun and not finished. The
 * child is SIGKILLed there, and its waiting session terminated before the lock is released,
 * so that the commit never happens (left alone, PostgreSQL would finish a commit it had
 * received: the batch whole and unacknowledged, the crash test's "in flight, applied").
 */
async function killedInsideCommit(database: string): Promise<CrashChild> {
  const APP = 'lcm-crash-child';
  const admin = new pg.Client({ connectionString: database });
  admin.on('error', () => {});
  await admin.connect();
  const url = new URL(database);
  url.searchParams.set('application_name', APP);
  const child = new CrashChild(url.toString());
  try {
    await admin.query(`create function crash_test_hold() returns trigger language plpgsql as $$
      begin perform pg_advisory_xact_lock(424242); return null; end $$`);
    await admin.query(`create constraint trigger crash_test_hold after insert on change_events
      deferrable initially deferred for each row execute function crash_test_hold()`);
    await child.waitFor('A done'); // batch A passes the trigger: nobody holds the lock yet
    await admin.query('select pg_advisory_lock(424242)');
    try {
      child.send('go');
      await child.waitFor('B submitted');
      const pids = await pollUntil('the batch to wait inside its commit', async () => {
        const r = await admin.query<{ pid: number }>(
          `select l.pid from pg_locks l join pg_stat_activity a on a.pid = l.pid
            where a.application_name = $1 and l.locktype = 'advisory' and not l.granted`,
          [APP],
        );
        return r.rowCount ? r.rows.map((x) => x.pid) : undefined;
      });
      await sleep(200); // room for a premature acknowledgement to show
      assert.equal(await child.kill(), 'SIGKILL');
      await admin.query('select pg_terminate_backend(pid) from unnest($1::int[]) as pid', [pids]);
    } finally {
      await admin.query('select pg_advisory_unlock(424242)');
    }
    await pollUntil("the killed child's sessions to end", async () => {
      const r = await admin.query('select 1 from pg_stat_activity where application_name = $1', [APP]);
      return r.rowCount === 0 ? true : undefined;
    });
    return child;
  } finally {
    await child.kill();
    await admin.query('drop trigger if exists crash_test_hold on change_events').catch(() => {});
    await admin.end().catch(() => {});
  }
}

for (const engine of ENGINES) {
  describe(`group commit killed before COMMIT (${engine})`, () => {
    it('acknowledges nothing of the batch, and nothing of it is stored; the batch before it is', async () => {
      const database = await createTestDatabase(engine);
      let child: CrashChild | undefined;
      try {
        const before = await prepareBatchDatabase(database);
        if (engine === 'sqlite') {
          child = new CrashChild(database.url);
          const inside = await child.waitFor('inside ');
          assert.equal(await child.kill(), 'SIGKILL');
          // The killed batch's writes had really been made, inside its open transaction.
          assert.deepEqual(JSON.parse(inside.slice('inside '.length)), { names: LOADED.map((id) => `B-${id}`), history: LOADED.length * 2 });
          await checkOnlyBatchA(database.url, before, child);
        } else {
          child = await killedInsideCommit(database.url);
          await checkOnlyBatchA(database.url, before, child);
        }
      } finally {
        await child?.kill();
        await database.drop();
      }
    });
  });
}
