import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { ENGINES, createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { ROOT, runLcm } from '../helpers/cli.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import { managerLogin } from '../helpers/login.ts';
import { loadConfig } from '../../src/config.ts';
import { openStore } from '../../src/db/store.ts';
import { buildApp } from '../../src/http/app.ts';

/** Signs in through the real app on the database the CLI wrote. */
async function login(url: string, username: string, password: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const config = loadConfig({}, { database: url, jwtSecret: 'cli-test-secret-0123456789abcdef' });
  const store = await openStore(url);
  const app = await buildApp({ config, store, logger: false });
  try {
    return await managerLogin(app, username, password);
  } finally {
    await app.close();
    await store.close();
  }
}

for (const engine of ENGINES) {
  describe(`lcm manager on ${engine}`, () => {
    let database: TestDatabase;
    before(async () => {
      database = await createTestDatabase(engine);
      const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-fx-')), 'fixtures.json');
      fs.writeFileSync(file, JSON.stringify(FIXTURES));
      const res = await runLcm(['seed', file, '--database', database.url]);
      assert.equal(res.code, 0, res.stderr);
    });
    after(async () => database.drop());

    it('add takes the next free token, prints it, and the manager can sign in with the claims given', async () => {
      const res = await runLcm(['manager', 'add', '--login', 'newbie', '--password', 'pa55word', '--operator', '1', '--pos', 'msk-001', '--role', 'pos', '--role', 'reports', '--database', database.url]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /Token: 6002\b/, 'max(5001, 6001) + 1');
      assert.equal(res.stdout.includes('pa55word'), false);
      const signed = await login(database.url, 'newbie', 'pa55word');
      assert.equal(signed.status, 200);
      const c = decodeJwt(signed.body.access_token as string);
      assert.deepEqual([c.user, c.oper, c.token, c.partner, c.poscode, c.role], ['newbie', '1', '6002', '10', 'MSK-001', ['pos', 'reports']]);
    });

    it('add with --token and --partner uses them; a taken login or token, or an unknown operator, exits 1', async () => {
      const ok = await runLcm(['manager', 'add', '--login', 'integration', '--operator', '2', '--token', '7000', '--partner', '20', '--database', database.url], {}, 'int-secret\n');
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /Token: 7000\b/);
      const c = decodeJwt((await login(database.url, 'integration', 'int-secret')).body.access_token as string);
      assert.deepEqual([c.oper, c.token, c.partner, c.role], ['2', '7000', '20', undefined]);
      for (const args of [
        ['--login', 'integration', '--password', 'x', '--operator', '2'],
        ['--login', 'fresh', '--password', 'x', '--operator', '2', '--token', '5001'],
        ['--login', 'fresh', '--password', 'x', '--operator', '99'],
        ['--login', 'fresh', '--password', 'x', '--operator', '1', '--pos', 'NOPE'],
      ]) {
        const res = await runLcm(['manager', 'add', ...args, '--database', database.url]);
        assert.equal(res.code, 1, args.join(' '));
        assert.match(res.stderr, /^lcm: /);
      }
    });

    it('passwd sets a new password from the flag or from standard input; the old one stops working', async () => {
      const byFlag = await runLcm(['manager', 'passwd', '--login', 'cashier', '--password', 'flag-pass', '--database', database.url]);
      assert.equal(byFlag.code, 0, byFlag.stderr);
      assert.equal((await login(database.url, 'cashier', 'flag-pass')).status, 200);
      assert.equal((await login(database.url, 'cashier', 'secret')).status, 401);
      const byStdin = await runLcm(['manager', 'passwd', '--login', 'cashier', '--database', database.url], {}, 'stdin-pass\n');
      assert.equal(byStdin.code, 0, byStdin.stderr);
      assert.equal(byStdin.stdout.includes('stdin-pass'), false);
      assert.equal((await login(database.url, 'cashier', 'stdin-pass')).status, 200);
      assert.equal((await login(database.url, 'cashier', 'flag-pass')).status, 401);
      const unknown = await runLcm(['manager', 'passwd', '--login', 'nobody', '--password', 'x', '--database', database.url]);
      assert.equal(unknown.code, 1);
    });

    it('passwd ends the refresh tokens issued before', async () => {
      const before = await login(database.url, 'other', 'other-secret');
      assert.equal(before.status, 200);
      assert.equal((await runLcm(['manager', 'passwd', '--login', 'other', '--password', 'other-new', '--database', database.url])).code, 0);
      const config = loadConfig({}, { database: database.url, jwtSecret: 'cli-test-secret-0123456789abcdef' });
      const store = await openStore(database.url);
      const app = await buildApp({ config, store, logger: false });
      try {
        const res = await app.inject({
          method: 'POST',
          url: '/ManagerLogin',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: `grant_type=refresh_token&refresh_token=${before.body.refresh_token as string}`,
        });
        assert.equal(res.statusCode, 401);
      } finally {
        await app.close();
        await store.close();
      }
    });

    it('a served login never writes the password or tokens to the log, even at trace level', async () => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/lcm.js'), 'serve', '--port', '0', '--database', database.url], {
        cwd: ROOT,
        env: { ...process.env, LCM_LOG_LEVEL: 'trace', LCM_JWT_SECRET: 'serve-secret-0123456789abcdef0123' },
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15_000);
          const check = () => {
            const m = /lcm serving (http:\/\/\S+)/.exec(out);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]!);
            }
          };
          child.stdout.on('data', check);
        });
        const res = await fetch(`${url}/ManagerLogin`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=password&username=cashier&password=stdin-pass',
        });
        assert.equal(res.status, 200);
        const { access_token: jwt } = (await res.json()) as { access_token: string };
        await fetch(`${url}/health`, { headers: { authorization: `Bearer ${jwt}` } });
        await new Promise((r) => setTimeout(r, 200));
        assert.match(out, /ManagerLogin/i, 'the request itself is logged');
        assert.equal(out.includes('stdin-pass'), false, 'password not logged');
        assert.equal(out.includes(jwt), false, 'token not logged');
      } finally {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('close', r));
      }
    });
  });
}
