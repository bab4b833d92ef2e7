// `npm run bench -- --perf DIR`: a server recorded by `perf record` while the load runs, and
// the samples written out for bench/stages.ts: DIR/<scenario>.perf.txt (`perf script`) and
// DIR/<scenario>.perf.map (node's map of its JIT code).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { onCleanup } from './processes.ts';
import { PERF_HZ } from './stages.ts';

/**
 * Node flags under --perf: JIT code and interpreted frames named in /tmp/perf-<pid>.map. The
 * flag also starts V8's own log, one file per isolate in the working directory unless told
 * otherwise: one file in `dir` instead, removed by perfScript.
 */
export const perfNodeFlags = (dir: string): string[] => ['--perf-basic-prof', '--interpreted-frames-native-stack', '--no-logfile-per-isolate', `--logfile=${path.join(dir, 'v8.log')}`];

/** `perf record` of every thread of `pid`: on-CPU samples (cpu-clock) with call stacks. */
export function startPerf(pid: number, file: string): { stop(): Promise<void> } {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const child = spawn('perf', ['record', '-e', 'cpu-clock', '-F', String(PERF_HZ), '-g', '-p', String(pid), '-o', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = onCleanup(async () => {
    if (child.exitCode === null) child.kill('SIGINT');
    await exited;
  });
  return {
    async stop() {
      await stop();
      if (!fs.existsSync(file)) throw new Error(`perf record wrote nothing: ${err}`);
    },
  };
}

/** <base>.perf.txt: the samples as `perf script` prints them, JIT frames named by the server's perf map. */
export async function perfScript(pid: number, base: string): Promise<void> {
  const out = fs.openSync(`${base}.perf.txt`, 'w');
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('perf', ['script', '-i', `${base}.perf.data`, '-F', 'tid,ip,sym,dso'], { stdio: ['ignore', out, 'ignore'] });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`perf script exited with ${code}`))));
    });
  } finally {
    fs.closeSync(out);
  }
  // Kept: perf names a JIT address by the first entry that covers it, which may be code
  // collected long before; bench/stages.ts resolves them again, the latest entry winning.
  const map = `/tmp/perf-${pid}.map`;
  if (fs.existsSync(map)) {
    fs.copyFileSync(map, `${base}.perf.map`);
    fs.rmSync(map);
  }
  fs.rmSync(`${base}.perf.data`, { force: true });
  fs.rmSync(path.join(path.dirname(base), 'v8.log'), { force: true });
}
