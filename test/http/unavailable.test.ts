// Which real database errors mean "cannot serve now" (503 + Retry-After) and which are
// defects or rule answers; and the 503 answers of an app whose PostgreSQL is unreachable.
// (Outages under load, and recovery, are in test/reliability/outage.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { databaseUnavailability } from '../../src/db/errors.ts';
import { withDeadline, DatabaseTimeout } from '../../src/db/deadline.ts';
import { openStore } from '../../src/db/store.ts';
import { SqliteThread } from '../../src/db/sqlite-thread.ts';
import { buildApp } from '../../src/http/app.ts';
import { loadConfig } from '../../src/config.ts';
import { seededStore } from '../helpers/app.ts';
import { CASHIER } from '../helpers/fixtures.ts';
import { createTestDatabase } from '../helpers/engines.ts';

const PG = process.env.LCM_TEST_PG;

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function caught(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  assert.fail('expected a failure');
}

describe('which database errors are outages', () => {
  it('SQLite: locked past the busy timeout is busy; a constraint or syntax error is not an outage', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-unavail-'));
    const file = path.join(dir, 'x.sqlite');
    const a = new SQLite(file);
    const b = new SQLite(file, { timeout: 50 });
    try {
      a.exec('create table t (id integer primary key)');
      a.exec('begin immediate');
      let busy: unknown;
      try {
        b.exec('begin immediate');
      } catch (err) {
        busy = err;
      }
      assert.equal((busy as { code?: string }).code, 'SQLITE_BUSY');
      assert.equal(databaseUnavailability(busy), 'busy');
      a.exec('insert into t values (1)');
      assert.throws(() => a.exec('insert into t values (1)'), (err) => databaseUnavailability(err) === undefined);
      assert.throws(() => a.exec('selec 1'), (err) => databaseUnavailability(err) === undefined);
      a.exec('commit');
      // A read-only file: writes cannot be done now.
      const ro = new SQLite(file, { readonly: true });
      assert.throws(() => ro.exec('insert into t values (2)'), (err) => databaseUnavailability(err) === 'unreachable');
      ro.close();
    } finally {
      a.close();
      b.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('SQLite: a connection thread that has stopped fails what is asked of it as an outage', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-unavail-'));
    try {
      const thread = await SqliteThread.open(path.join(dir, 'x.sqlite'), ['journal_mode = WAL']);
      await thread.query('create table t (id integer primary key)', []);
      await thread.close(); // the thread ends, as it would if it died
      const err = await caught(() => thread.query('insert into t values (1)', []));
      assert.equal((err as { code?: string }).code, 'LCM_SQLITE_THREAD_STOPPED');
      assert.equal(databaseUnavailability(err), 'unreachable');
      assert.equal(databaseUnavailability(await caught(() => thread.script([]))), 'unreachable');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the request bound answers timeout', async () => {
    const err = await caught(() => withDeadline(new Promise(() => {}), 20));
    assert.ok(err instanceof DatabaseTimeout);
    assert.equal(databaseUnavailability(err), 'timeout');
    assert.equal(await withDeadline(Promise.resolve(7), 1000), 7);
  });

  it('PostgreSQL: refused, gone, terminated and cancelled are outages; constraint and syntax errors are not', { skip: PG ? false : 'LCM_TEST_PG is not set' }, async () => {
    const refused = new URL(PG!);
    refused.port = String(await closedPort());
    const store = await openStore(refused.toString());
    try {
      assert.equal(databaseUnavailability(await caught(() => sql`select 1`.execute(store.db))), 'unreachable');
    } finally {
      await store.close();
    }
    const gone = new URL(PG!);
    gone.pathname = '/lcm_no_such_database_here';
    const c0 = new pg.Client({ connectionString: gone.toString() });
    assert.equal(databaseUnavailability(await caught(() => c0.connect())), 'unreachable');

    const database = await createTestDatabase('postgres');
    const admin = new pg.Client({ connectionString: PG });
    const c = new pg.Client({ connectionString: database.url });
    await admin.connect();
    await c.connect();
    c.on('error', () => {});
    try {
      await c.query('create table t (id int primary key)');
      await c.query('insert into t values (1)');
      assert.equal(databaseUnavailability(await caught(() => c.query('insert into t values (1)'))), undefined);
      assert.equal(databaseUnavailability(await caught(() => c.query('selec 1'))), undefined);
      await c.query('set statement_timeout = 20');
      assert.equal(databaseUnavailability(await caught(() => c.query('select pg_sleep(1)'))), 'busy');
      await c.query('set statement_timeout = 0');
      const pid = (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
      const ended = caught(() => c.query('select pg_sleep(5)'));
      await new Promise((r) => setTimeout(r, 100));
      await admin.query('select pg_terminate_backend($1)', [pid]);
      assert.equal(databaseUnavailability(await ended), 'unreachable');
      assert.equal(databaseUnavailability(await caught(() => c.query('select 1'))), 'unreachable');
    } finally {
      await c.end().catch(() => {});
      await admin.end();
      await database.drop();
    }
  });
});

describe('an app whose PostgreSQL cannot be reached', { skip: PG ? false : 'LCM_TEST_PG is not set' }, () => {
  it('answers 503 with Retry-After on operations, sign-in and /health, at once', async () => {
    // Build the app while the database answers (the JWT secret is read at start-up), then point it at a closed port.
    const ts = await seededStore('postgres');
    const url = new URL(ts.database.url);
    url.port = String(await closedPort());
    const dead = await openStore(url.toString());
    const config = loadConfig({}, { database: url.toString(), jwtSecret: 'unavailable-secret-0123456789abcdef' });
    const app = await buildApp({ config, store: dead, logger: false });
    try {
      const auth = `Bearer ${await app.deps.auth.issueAccessToken(CASHIER)}`;
      const t0 = Date.now();
      const json = await app.inject({ method: 'POST', url: '/api/client/ClientUpdate', headers: { 'content-type': 'application/json', authorization: auth }, payload: '{"Client":1,"Name":"x"}' });
      assert.equal(json.statusCode, 503);
      assert.equal(json.headers['retry-after'], '5');
      assert.deepEqual(json.json(), { Message: 'The service is temporarily unavailable: the database cannot be reached. Retry later.' });
      const xml = await app.inject({ method: 'POST', url: '/api/client/GetClient', headers: { 'content-type': 'application/xml', authorization: auth }, payload: '<GetClientRequest><ClientID>1</ClientID></GetClientRequest>' });
      assert.equal(xml.statusCode, 503);
      assert.match(String(xml.headers['content-type']), /xml/);
      assert.match(xml.body, /^<Error><Message>The service is temporarily unavailable: the database cannot be reached\. Retry later\.<\/Message><\/Error>$/);
      const login = await app.inject({ method: 'POST', url: '/ManagerLogin', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=password&username=cashier&password=secret' });
      assert.equal(login.statusCode, 503);
      assert.equal(login.headers['retry-after'], '5');
      assert.equal(login.json().error, 'temporarily_unavailable');
      const health = await app.inject({ method: 'GET', url: '/health' });
      assert.equal(health.statusCode, 503);
      assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(metrics, /lcm_http_server_errors_total\{route="\/api\/client\/ClientUpdate",status="503"\} 1/);
      assert.match(metrics, /lcm_http_server_errors_total\{route="\/ManagerLogin",status="503"\} 1/);
    } finally {
      await app.close();
      await dead.close();
      await ts.dispose();
    }
  });
});
