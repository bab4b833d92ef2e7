// A real PgBouncer (Debian's package) started by the tests on a free port, in transaction
// mode, with the configuration of docs/pgbouncer.ini as it is: only the values of
// listen_port and auth_file are replaced (a free port; a file in a temporary folder listing
// "postgres"). It points at 127.0.0.1:5432, the PostgreSQL of LCM_TEST_PG.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { ROOT } from './cli.ts';
import { freePort } from './net.ts';

export const PGBOUNCER_INI = path.join(ROOT, 'docs/pgbouncer.ini');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function binary(): string {
  for (const p of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer']) if (fs.existsSync(p)) return p;
  return 'pgbouncer';
}

/** The ini of the docs with listen_port and auth_file replaced; fails if either line is missing. */
export function testIni(port: number, authFile: string): string {
  const ini = fs.readFileSync(PGBOUNCER_INI, 'utf8');
  let replaced = 0;
  const out = ini.replace(/^(listen_port|auth_file) = .*$/gm, (_, key: string) => {
    replaced++;
    return `${key} = ${key === 'listen_port' ? port : authFile}`;
  });
  if (replaced !== 2) throw new Error(`${PGBOUNCER_INI}: expected one listen_port and one auth_file line`);
  return out;
}

export class PgBouncer {
  private child: ChildProcess | undefined;
  private output = '';
  private detached = false;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PgBouncer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-pgbouncer-'));
    // pgbouncer refuses to run as root: it runs as postgres then, who must read these files.
    fs.chmodSync(dir, 0o755);
    const port = await freePort();
    fs.writeFileSync(path.join(dir, 'userlist.txt'), '"postgres" ""\n', { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'pgbouncer.ini'), testIni(port, path.join(dir, 'userlist.txt')), { mode: 0o644 });
    const bouncer = new PgBouncer(port, dir);
    await bouncer.launch();
    return bouncer;
  }

  /** The URL of `direct`'s database through this pooler. */
  url(direct: string): string {
    const url = new URL(direct);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** What pgbouncer wrote (its log goes to stderr). */
  log(): string {
    return this.output;
  }

  private async launch(): Promise<void> {
    const args = [...(process.getuid?.() === 0 ? ['-u', 'postgres'] : []), path.join(this.dir, 'pgbouncer.ini')];
    const child = spawn(binary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const collect = (d: Buffer) => {
      if (this.output.length < 200_000) this.output += d.toString();
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    if (this.detached) this.unrefChild();
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`pgbouncer exited at start:\n${this.output}`);
      if (await accepts(this.port)) return;
      if (Date.now() > deadline) throw new Error(`pgbouncer did not listen on ${this.port}:\n${this.output}`);
      await sleep(50);
    }
  }

  /** Immediate shutdown (SIGTERM): every client and server connection is closed. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /** Stops it and starts it again on the same port. */
  async restart(pauseMs = 0): Promise<void> {
    await this.stop();
    if (pauseMs) await sleep(pauseMs);
    await this.launch();
  }

  async dispose(): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** It no longer keeps the test process alive (a shared instance, killed at exit). */
  detach(): void {
    this.detached = true;
    this.unrefChild();
  }

  private unrefChild(): void {
    const child = this.child;
    if (!child) return;
    child.unref();
    (child.stdout as net.Socket).unref();
    (child.stderr as net.Socket).unref();
  }

  /** For process exit: no waiting possible. */
  killNow(): void {
    this.child?.kill('SIGKILL');
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

let shared: Promise<PgBouncer> | undefined;

/** One PgBouncer for the whole test process, stopped when it exits. */
export function sharedPgBouncer(): Promise<PgBouncer> {
  shared ??= PgBouncer.start().then((b) => {
    b.detach();
    process.once('exit', () => b.killNow());
    return b;
  });
  return shared;
}
