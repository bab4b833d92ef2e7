// `lcm serve` on a port that is already taken exits at once, non-zero, with one line
// naming the address and what to change; it used to stay alive serving nothing (and with
// --workers, to restart its workers forever while saying they served).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTestDatabase } from '../helpers/engines.ts';
import type { TestDatabase } from '../helpers/engines.ts';
import { ROOT } from '../helpers/cli.ts';

/** Runs `lcm serve …`; a process still alive after `limitMs` is killed and reported as such. */
function serve(args: string[], limitMs: number): Promise<{ code: number | null; stdout: string; stderr: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/lcm.js'), 'serve', ...args], {
      cwd: ROOT,
      env: { ...process.env, LCM_LOG_LEVEL: 'warn', LCM_JWT_SECRET: 'port-taken-secret-0123456789abcdef0' },
    });
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, killed });
    });
  });
}

describe('lcm serve on a port in use', () => {
  let taken: net.Server;
  let port: number;
  let database: TestDatabase;
  before(async () => {
    taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as net.AddressInfo).port;
    database = await createTestDatabase('sqlite');
  });
  after(async () => {
    taken.close();
    await database.drop();
  });

  for (const workers of [[], ['--workers', '2']]) {
    it(`exits non-zero with one clear line${workers.length ? ' (--workers 2)' : ''}`, async () => {
      // Generous: a slow machine starts node and the bundle within seconds; a hung process never ends.
      const res = await serve(['--port', String(port), '--database', database.url, ...workers], 60_000);
      assert.equal(res.killed, false, `still running:\n${res.stdout}\n${res.stderr}`);
      assert.equal(res.code, 1);
      const lines = res.stderr.split('\n').filter((l) => l.startsWith('lcm:'));
      assert.deepEqual(lines, [`lcm: cannot listen on 127.0.0.1:${port}: the address is already in use; choose another port with LCM_PORT or --port (or stop the other server)`]);
      assert.doesNotMatch(res.stdout, /workers on port|lcm serving/);
    });
  }
});
