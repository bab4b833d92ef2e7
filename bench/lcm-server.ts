// The server under test: `node bin/lcm.js serve` as a child process, with the node flags
// of `npm start` (optionally under --cpu-prof), and a manager token from its own /ManagerLogin.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, freePort, startService } from './processes.ts';
import type { Service } from './processes.ts';
import { MANAGER_LOGIN } from './populate.ts';

export interface LcmOptions {
  /** Write a V8 CPU profile of the server into this directory when it stops. */
  profileDir?: string | undefined;
  /** More node flags (--perf-basic-prof for perf record). */
  nodeFlags?: readonly string[];
}

/** The node flags `npm start` runs the server with (package.json), so that the bench measures what is deployed. */
export function startFlags(): string[] {
  const start = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const m = /^node ((?:--\S+ )*)bin\/lcm\.js serve$/.exec(start);
  if (!m) throw new Error(`package.json's start script is not "node [flags] bin/lcm.js serve": ${start}`);
  return m[1]!.split(' ').filter(Boolean);
}

export async function startLcm(database: string, options: LcmOptions = {}): Promise<Service> {
  const port = await freePort();
  const prof = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  // One process: its VmHWM is the server's peak RSS (LCM_WORKERS > 1 would fork workers).
  // Profiled too, it runs the bundle, what is deployed: bench/stages.ts reads the bundle's
  // source map to name each frame's source file.
  return startService([...startFlags(), ...prof, ...(options.nodeFlags ?? []), 'bin/lcm.js', 'serve', '--database', database, '--port', String(port)], port, {
    LCM_LOG_LEVEL: 'warn',
    LCM_WORKERS: '1',
  });
}

export async function signIn(url: string, password: string): Promise<string> {
  const res = await fetch(`${url}/ManagerLogin`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username: MANAGER_LOGIN, password }).toString(),
  });
  const body = (await res.json()) as { access_token?: string };
  if (!res.ok || !body.access_token) throw new Error(`sign-in failed: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

export interface GroupCommitCounters {
  batches: number;
  requests: number;
  /** Times a batch was refused as a whole and run again (lcm_group_commit_retried_total). */
  retried: number;
  /** The floor server's CPU inside COMMIT (floor_commit_cpu_seconds_total); NaN for lcm. */
  commitCpuSeconds: number;
}

/** The group-commit counters of GET /metrics, or undefined when the server does not serve them. */
export async function groupCommitCounters(url: string): Promise<GroupCommitCounters | undefined> {
  try {
    const token = process.env.LCM_METRICS_TOKEN;
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const res = await fetch(`${url}/metrics`, { headers, signal: AbortSignal.timeout(5000) });
    if (!res.ok) return undefined;
    const text = await res.text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const counters = { batches: value('lcm_group_commit_batches_total'), requests: value('lcm_group_commit_requests_total'), retried: value('lcm_group_commit_retried_total') };
    return Object.values(counters).every(Number.isFinite) ? { ...counters, commitCpuSeconds: value('floor_commit_cpu_seconds_total') } : undefined;
  } catch {
    return undefined;
  }
}
