// One function per kind of scenario: the ceiling server (A), ClientUpdate against a running
// lcm server (B, C, D, F) or the hand-written floor server (G), and the PostgreSQL ceiling
// (E). Each returns its ScenarioResult.
import fs from 'node:fs';
import path from 'node:path';
import type { BenchOptions } from './options.ts';
import { BENCH_DIR, freePort, peakRssMb, runChild, startService, threadCpuSeconds, withCpu } from './processes.ts';
import { perfNodeFlags, perfScript, startPerf } from './perf-record.ts';
import type { CpuUse, Service, Worker } from './processes.ts';
import { log } from './log.ts';
import { groupCommitCounters, signIn, startFlags, startLcm } from './lcm-server.ts';
import type { GroupCommitCounters } from './lcm-server.ts';
import { counts, durability, settledCounts } from './db-probe.ts';
import type { Counts } from './db-probe.ts';
import { quietDisk } from './quiet-disk.ts';
import type { BodyFormat, LoadResult, LoadSpec, PgCeilingResult, PgCeilingSpec, ScenarioId, ScenarioResult } from './types.ts';

function loadSpec(opts: BenchOptions, url: string, token: string, format: BodyFormat, participants: number, tag: string): LoadSpec {
  return { url, token, format, participants, connections: opts.connections, warmupSeconds: opts.warmupSeconds, durationSeconds: opts.durationSeconds, tag, generator: opts.generator };
}

function fromLoad(id: ScenarioId, title: string, participants: number, load: LoadResult): Omit<ScenarioResult, 'peakRssMb' | 'serverCpuPercent' | 'machineCpuPercent' | 'durability' | 'verified' | 'groupCommit'> {
  return {
    id,
    title,
    rps: load.rps,
    p50: load.p50,
    p99: load.p99,
    responses: load.responses,
    seconds: load.seconds,
    errors: load.non2xx + load.socketErrors,
    errorCodeNonZero: load.errorCodeNonZero,
    participants,
  };
}

/**
 * Every acknowledged change must be in the database: each one adds a history row and a
 * version. Requests still in flight when a phase ended may have committed without being
 * counted, hence up to `slack` more.
 */
function verify(before: Counts, after: Counts, acknowledged: number, slack: number): { ok: boolean; detail: string } {
  const history = after.history - before.history;
  const versions = after.versions - before.versions;
  const ok = history >= acknowledged && history <= acknowledged + slack && versions === history;
  return { ok, detail: `${acknowledged} acknowledged, +${history} history, +${versions} versions` };
}

/** The load generator's process, started once and used by every HTTP scenario. */
export type LoadWorker = Worker<LoadSpec, LoadResult>;

function groupCommit(before: GroupCommitCounters | undefined, after: GroupCommitCounters | undefined): ScenarioResult['groupCommit'] {
  if (!before || !after || after.batches === before.batches) return null;
  const batches = after.batches - before.batches;
  const requests = after.requests - before.requests;
  const commitCpu = after.commitCpuSeconds - before.commitCpuSeconds;
  return {
    batches,
    requests,
    meanBatch: Math.round((10 * requests) / batches) / 10,
    retried: after.retried - before.retried,
    ...(Number.isFinite(commitCpu) ? { commitCpuUsPerRequest: Math.round((10 * 1e6 * commitCpu) / requests) / 10 } : {}),
  };
}

export async function ceilingScenario(opts: BenchOptions, loader: LoadWorker): Promise<ScenarioResult> {
  const port = await freePort();
  const [script, title] = opts.ceiling === 'fastify' ? ['fastify-ceiling.ts', 'ceiling: fastify, one route'] : ['ceiling-server.ts', 'ceiling: bare node:http'];
  const server = await startService(['--import', 'tsx', path.join(BENCH_DIR, script), String(port)], port, {});
  try {
    const [load, cpu] = await withCpu(server.child.pid!, () => loader.call(loadSpec(opts, server.url, 'none', 'json', opts.participants, 'A')));
    return { ...fromLoad('A', title, opts.participants, load), peakRssMb: peakRssMb(server.child.pid!), serverCpuPercent: cpu.server, machineCpuPercent: cpu.machine, durability: {}, verified: null, groupCommit: null };
  } finally {
    await server.stop();
  }
}

/**
 * Keeps the server's CPU profiles: the main thread's as <dir>/<id>.cpuprofile, every other
 * thread's (the SQLite thread, the checkpointer, tsx's loader) as <dir>/<id>.thread-<n>.cpuprofile
 * (node names them CPU.<date>.<time>.<pid>.<thread>.<n>).
 */
function keepProfiles(dir: string, existing: ReadonlySet<string>, id: ScenarioId): void {
  for (const f of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && !existing.has(f))) {
    const thread = /\.(\d+)\.\d+\.cpuprofile$/.exec(f)?.[1];
    if (thread === undefined) continue;
    fs.renameSync(path.join(dir, f), path.join(dir, thread === '0' ? `${id}.cpuprofile` : `${id}.thread-${thread}.cpuprofile`));
  }
}

export interface ClientUpdateRun {
  id: ScenarioId;
  title: string;
  format: BodyFormat;
  /** What serves it: `lcm serve` (the default), or the hand-written floor server (G). */
  server?: 'lcm' | 'floor';
}

export interface BenchDatabase {
  database: string;
  password: string;
  participants: number;
}

/** The floor server (floor-server.ts) on `database`, with the node flags of `npm start`. */
async function startFloor(database: string, profileDir: string | undefined, nodeFlags: readonly string[]): Promise<Service> {
  const port = await freePort();
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  return startService([...startFlags(), ...prof, ...nodeFlags, '--import', 'tsx', path.join(BENCH_DIR, 'floor-server.ts'), database, String(port)], port, {});
}

/** What the floor printed at start: `floor: journal_mode=wal synchronous=2`. */
function floorDurability(stderr: string): Record<string, string> {
  const m = /floor: journal_mode=(\S+) synchronous=(\d+)/.exec(stderr);
  if (!m) return {};
  const names = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];
  return { journal_mode: m[1]!, synchronous: `${m[2]} (${names[Number(m[2])] ?? '?'})` };
}

/** A manager token issued by lcm for this database (the floor checks lcm's tokens). */
async function lcmToken(db: BenchDatabase): Promise<string> {
  const server = await startLcm(db.database, {});
  try {
    return await signIn(server.url, db.password);
  } finally {
    await server.stop();
  }
}

/** CPU µs per request of each thread between two readings. */
function threadCosts(pid: number, before: ReturnType<typeof threadCpuSeconds>, after: ReturnType<typeof threadCpuSeconds>, requests: number): ScenarioResult['threads'] {
  if (requests === 0) return [];
  // Node's threads are all named "node": the main thread is the one whose id is the pid.
  return [...after]
    .map(([tid, t]) => ({ tid, name: tid === pid ? 'main' : t.name, cpuUsPerRequest: Math.round((1e6 * (t.seconds - (before.get(tid)?.seconds ?? 0))) / requests) }))
    .filter((t) => t.cpuUsPerRequest > 0)
    .sort((a, b) => b.cpuUsPerRequest - a.cpuUsPerRequest);
}

/**
 * Runs ClientUpdate scenarios one after the other on one database, each against a server of
 * its own, so that each peak RSS (and, under --profile, each profile) is of one scenario.
 * `round` goes into the names sent: a later turn's requests change their participants too.
 */
export async function clientUpdateScenarios(opts: BenchOptions, loader: LoadWorker, db: BenchDatabase, runs: readonly ClientUpdateRun[], done: (r: ScenarioResult) => void, round = 1): Promise<void> {
  const profileDir = opts.profileDir;
  if (profileDir) fs.mkdirSync(profileDir, { recursive: true });
  if (opts.perfDir) fs.mkdirSync(opts.perfDir, { recursive: true });
  let token: string | undefined;
  for (const run of runs) {
    const floor = run.server === 'floor';
    if (floor && token === undefined) token = await lcmToken(db);
    const existing = new Set(profileDir ? fs.readdirSync(profileDir) : []);
    await quietDisk(opts.pgAdminUrl);
    log(`   starting ${floor ? 'the floor server' : 'lcm serve'}`);
    const nodeFlags = opts.perfDir ? perfNodeFlags(opts.perfDir) : [];
    const server = floor ? await startFloor(db.database, profileDir, nodeFlags) : await startLcm(db.database, { profileDir, nodeFlags });
    let load: LoadResult;
    let before: Counts;
    let peak: number | null;
    let cpu: CpuUse;
    let commits: ScenarioResult['groupCommit'];
    let threads: ScenarioResult['threads'];
    try {
      if (!floor) token = await signIn(server.url, db.password);
      log(`   serving at ${server.url}; ${run.id}: load`);
      before = await settledCounts(db.database);
      const commitsBefore = await groupCommitCounters(server.url);
      const pid = server.child.pid!;
      const threadsBefore = threadCpuSeconds(pid);
      const recording = opts.perfDir ? startPerf(pid, path.join(opts.perfDir, `${run.id}.perf.data`)) : undefined;
      try {
        [load, cpu] = await withCpu(pid, () => loader.call(loadSpec(opts, server.url, token!, run.format, db.participants, `${run.id}${round}`)));
      } finally {
        await recording?.stop();
      }
      threads = threadCosts(pid, threadsBefore, threadCpuSeconds(pid), load.okAnswers.warmup + load.okAnswers.measured);
      peak = peakRssMb(pid);
      commits = groupCommit(commitsBefore, await groupCommitCounters(server.url));
    } finally {
      await server.stop();
    }
    if (profileDir) keepProfiles(profileDir, existing, run.id);
    if (opts.perfDir) await perfScript(server.child.pid!, path.join(opts.perfDir, run.id));
    if (load.errorCodeNonZero > 0) process.stdout.write(`   ${run.id}: ErrorCodes ${JSON.stringify(load.errorCodes)}\n`);
    const acknowledged = load.okAnswers.warmup + load.okAnswers.measured;
    done({
      ...fromLoad(run.id, run.title, db.participants, load),
      peakRssMb: peak,
      serverCpuPercent: cpu.server,
      machineCpuPercent: cpu.machine,
      // The floor's own connection's setting, as it printed it; lcm's as its openStore sets it.
      durability: floor ? floorDurability(server.stderr()) : await durability(db.database),
      verified: verify(before, await settledCounts(db.database), acknowledged, 2 * opts.connections),
      groupCommit: commits,
      threads,
      acknowledged,
    });
  }
}

export async function pgCeilingScenario(opts: BenchOptions, url: string, participants: number): Promise<ScenarioResult> {
  await quietDisk(opts.pgAdminUrl);
  const before = await counts(url);
  const spec: PgCeilingSpec = { url, participants, connections: opts.connections, warmupSeconds: opts.warmupSeconds, durationSeconds: opts.durationSeconds, tag: 'E' };
  const [r, cpu] = await withCpu(null, () => runChild<PgCeilingSpec, PgCeilingResult>('pg-ceiling.ts', spec));
  const after = await counts(url);
  const updated = r.updated.warmup + r.updated.measured;
  const versions = after.versions - before.versions;
  return {
    id: 'E',
    title: 'PostgreSQL ceiling: 32 pg clients, 1 UPDATE/tx',
    rps: r.rps,
    p50: r.p50,
    p99: r.p99,
    responses: r.responses,
    seconds: r.seconds,
    errors: r.errors,
    errorCodeNonZero: 0,
    peakRssMb: r.peakRssMb,
    serverCpuPercent: null,
    machineCpuPercent: cpu.machine,
    durability: await durability(url),
    verified: { ok: versions === updated, detail: `${updated} updates, +${versions} versions` },
    groupCommit: null,
    participants,
  };
}
