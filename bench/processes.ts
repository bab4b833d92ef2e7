// Child processes of the benchmark and their clean-up: whatever happens (a failure, Ctrl-C),
// every child is stopped and every temporary database removed.
import { fork, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH_DIR, '..');

type Cleanup = () => Promise<void> | void;
const cleanups: Cleanup[] = [];

/** Registers a clean-up; the returned function runs it now and unregisters it. */
export function onCleanup(fn: Cleanup): () => Promise<void> {
  cleanups.push(fn);
  return async () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
    await fn();
  };
}

/** Runs every registered clean-up, latest first, never throwing. */
export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop()!;
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`clean-up failed: ${(err as Error).message}\n`);
    }
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Peak resident set (VmHWM) of a live process, MB. */
export function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : null;
  } catch {
    return null;
  }
}

/** CPU time of a live process, all its threads, user + system, seconds; null when unreadable. */
export function cpuSeconds(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (name) ": state is the 1st field, utime the 12th, stime the 13th, in ticks
    // of USER_HZ, which Linux fixes at 100 for /proc.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** CPU seconds of each thread of a live process (user + system), by thread id, with its name. */
export function threadCpuSeconds(pid: number): Map<number, { name: string; seconds: number }> {
  const out = new Map<number, { name: string; seconds: number }>();
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch {
      /* the thread ended */
    }
  }
  return out;
}

/**
 * Busy time of the whole machine, every core (all but idle and iowait in /proc/stat),
 * seconds; null when unreadable.
 */
export function machineBusySeconds(): number | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // "cpu  user nice system idle iowait irq softirq steal …", in ticks of USER_HZ (100).
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const [, , , idle = 0, iowait = 0] = ticks;
    return (ticks.reduce((a, b) => a + b, 0) - idle - iowait) / 100;
  } catch {
    return null;
  }
}

/** CPU used while some work ran, in % of one core (the machine has 100 × cores). */
export interface CpuUse {
  /** The process `pid`, all its threads; null without a pid. */
  server: number | null;
  /** Every process of the machine: server, load generator, PostgreSQL, kernel. */
  machine: number | null;
}

/** `work`'s result, and the CPU that process `pid` (if any) and the whole machine used meanwhile. */
export async function withCpu<T>(pid: number | null, work: () => Promise<T>): Promise<[T, CpuUse]> {
  const read = () => ({ server: pid === null ? null : cpuSeconds(pid), machine: machineBusySeconds() });
  const before = read();
  const t0 = performance.now();
  const result = await work();
  const after = read();
  const seconds = (performance.now() - t0) / 1000;
  const percent = (a: number | null, b: number | null) => (a === null || b === null || seconds <= 0 ? null : Math.round((100 * (b - a)) / seconds));
  return [result, { server: percent(before.server, after.server), machine: percent(before.machine, after.machine) }];
}

/** Stops a child: SIGTERM, then SIGKILL after a grace period. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface Service {
  child: ChildProcess;
  url: string;
  /** Standard error so far (for failures). */
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts a long-running process listening on `port` and waits until `healthPath` answers 200. */
export async function startService(args: readonly string[], port: number, env: NodeJS.ProcessEnv, healthPath = '/health'): Promise<Service> {
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (err.length < 20_000) err += d.toString();
  });
  const stop = onCleanup(() => stopChild(child));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${args.join(' ')} exited with ${child.exitCode}: ${err}`);
    try {
      const res = await fetch(url + healthPath, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${args.join(' ')} did not answer ${healthPath} within 30 s: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url, stderr: () => err, stop };
}

export interface Worker<I, O> {
  /** Sends `input`; resolves with the answer. One call at a time. */
  call(input: I): Promise<O>;
  stop(): Promise<void>;
}

type Answer<O> = { ok: true; value: O } | { ok: false; error: string };

/**
 * Starts a TypeScript module of bench/ in its own process, so that it shares no event loop
 * with the orchestrator; it answers each input sent to it (see serveChild).
 */
export function startWorker<I, O>(module: string): Worker<I, O> {
  const child = fork(path.join(BENCH_DIR, module), [], { cwd: ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const stop = onCleanup(() => stopChild(child));
  let pending: { resolve(v: O): void; reject(e: Error): void } | undefined;
  child.on('message', (m) => {
    const answer = m as Answer<O>;
    const p = pending;
    pending = undefined;
    if (answer.ok) p?.resolve(answer.value);
    else p?.reject(new Error(`${module}: ${answer.error}`));
  });
  child.once('exit', (code) => pending?.reject(new Error(`${module} exited (${code}) without answering`)));
  return {
    call(input) {
      if (pending) throw new Error(`${module} is busy`);
      return new Promise<O>((resolve, reject) => {
        pending = { resolve, reject };
        child.send(input as object);
      });
    },
    stop,
  };
}

/** One call of a worker started for it. */
export async function runChild<I, O>(module: string, input: I): Promise<O> {
  const worker = startWorker<I, O>(module);
  try {
    return await worker.call(input);
  } finally {
    await worker.stop();
  }
}

/** The child side of startWorker: answers every input with `fn`'s result. */
export function serveChild<I, O>(fn: (input: I) => Promise<O>): void {
  process.on('message', (input) => {
    fn(input as I).then(
      (value) => process.send!({ ok: true, value } satisfies Answer<O>),
      (err: unknown) => process.send!({ ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies Answer<O>),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
