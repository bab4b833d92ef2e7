// `lcm serve --workers N` as a user runs it: the primary prepares the database once (one
// demo password), N workers serve one port, SQLite gets a warning, SIGTERM stops all and
// exits 0. (Several processes on PostgreSQL: test/reliability/scale-out.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase } from '../helpers/engines.ts';
import { freePort } from '../helpers/net.ts';
import { ROOT, runLcm } from '../helpers/cli.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('lcm serve --workers', () => {
  it('on SQLite: warns, prepares once, serves from two workers, stops them all on SIGTERM', async () => {
    const database = await createTestDatabase('sqlite');
    const port = await freePort();
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/lcm.js'), 'serve', '--database', database.url, '--port', String(port), '--workers', '2'], {
      cwd: ROOT,
      env: { ...process.env, LCM_LOG_LEVEL: 'warn', LCM_JWT_SECRET: 'workers-secret-0123456789abcdef01234' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 90_000;
      while ((out.match(/lcm serving /g) ?? []).length < 2) {
        assert.ok(child.exitCode === null && Date.now() < deadline, `did not start:\n${out}\n${err}`);
        await sleep(100);
      }
      assert.equal((out.match(/Demo data created/g) ?? []).length, 1, 'the demo data is created once, by the primary');
      assert.match(err, /warning: --workers 2 on SQLite/);
      const pids = [...out.matchAll(/lcm serving .*pid (\d+)\)/g)].map((m) => Number(m[1]));
      assert.equal(new Set(pids).size, 2);
      assert.ok(!pids.includes(child.pid!));
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/health`, { headers: { connection: 'close' } });
        assert.equal(res.status, 200);
      }
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      for (const pid of pids) assert.ok(!alive(pid), `worker ${pid} stopped with the primary`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await database.drop();
    }
  });

  it('refuses --workers 0', async () => {
    const res = await runLcm(['serve', '--workers', '0', '--database', ':memory:']);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /Invalid workers: 0/);
  });
});
