// Where a ClientUpdate's CPU goes, stage by stage and thread by thread, in lcm (B, C, …)
// and in the floor (G): the per-stage table of docs/performance.md.
//   npm run bench -- --only B,G,C --perf DIR          (prints the table at the end of the run)
//   node --import tsx bench/stages.ts DIR [--json]    (again, from the files kept in DIR)
//   node --import tsx bench/stages.ts DIR --detail B.perf.txt   (each stage's functions and symbols)
//
// Each sample goes to the stage of the innermost frame that names one (frameStage; lcm's
// bundle is mapped back to its source files by its source map), better-sqlite3's native
// calls by what SQLite does in them (sqliteStage), the garbage collector and V8's compiler
// by their symbols.
//
// --perf (perf-record.ts): `perf record -e cpu-clock` samples a thread only while it runs,
// kernel included, so samples ÷ rate ÷ requests is CPU per request as it is. --profile: V8's
// own profiles sample wall time, which on a busy machine includes waiting for a core, and
// a COMMIT's fsync. There each thread's samples are scaled to its CPU per request from
// /proc: lcm's main thread blocks nowhere, so its stages scale alike; the floor measures
// its COMMITs' CPU itself (floor_commit_cpu_seconds_total) and its other stages share the
// rest; lcm's SQLite thread gets the main thread's scale for its statements and its COMMIT
// the rest of its CPU (an estimate, marked ≈).
import fs from 'node:fs';
import path from 'node:path';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { BenchReport, ScenarioId, ScenarioResult } from './types.ts';
import type { CallFrame, CpuProfile } from './cpu-profile.ts';

/** A frame as the stage rules see it: the source file (through the bundle's source map) and function. */
interface Frame {
  fn: string;
  /** 'src/db/recorder.ts', 'node_modules/kysely/…', 'node:internal/…', 'bench/floor-server.ts', or '' (native). */
  file: string;
}

export const STAGES = [
  'HTTP + fastify',
  'decode (JSON, XML)',
  'auth',
  'rules',
  'batch read',
  'statement building',
  'hand-off to the SQLite thread',
  'SQLite statements',
  'commit + fsync',
  'WAL checkpoint',
  'encode',
  'logging + metrics',
  'group-commit queue',
  'garbage collection',
  'JIT compilation (V8)',
  'promises, events, other',
] as const;
export type Stage = (typeof STAGES)[number];

const IDLE = 'idle';
const STARTUP = 'start-up';
type Bucket = Stage | typeof IDLE | typeof STARTUP;

const fns = (...names: string[]) => new Set(names);
const FLOOR: Record<string, Stage> = {
  verify: 'auth',
  decode: 'decode (JSON, XML)',
  readState: 'batch read',
  rules: 'rules',
  apply: 'rules',
  buildRows: 'statement building',
  eventIdV7: 'statement building',
  writeRows: 'SQLite statements',
  inSavepoint: 'SQLite statements',
  flush: 'SQLite statements',
  commitBatch: 'commit + fsync',
  send: 'HTTP + fastify',
  metrics: 'logging + metrics',
};
const READS = fns('readParticipants', 'existingOperators', 'posesByCode', 'activeSitesByCode', 'toParticipant', 'participantFromValues', 'toPosRef', 'read');
const WRITES = fns('writeBatchSqlite', 'writeBatchStatements', 'updateText', 'participantRows', 'setFromU', 'flush', 'profileColumns', 'pushColumnValues');
const HANDOFF = fns('transactAtOnce', 'postMessage', 'send');

/** The stage a frame names, or undefined when it names none (the next frame out decides). */
function frameStage(f: Frame): Stage | undefined {
  const { fn, file } = f;
  if (file === 'bench/floor-server.ts') return FLOOR[fn];
  if (file === 'src/participant/store/profile-columns.ts' && READS.has(fn)) return 'batch read';
  if (/^src\/participant\/store\/(history|outbox|profile-columns)\.ts$/.test(file) || file === 'src/participant/change-record.ts' || file === 'src/lib/event-id.ts') return 'statement building';
  if (file === 'src/participant/store/batch-write.ts') return READS.has(fn) ? 'batch read' : WRITES.has(fn) ? 'statement building' : undefined;
  if (file === 'src/participant/update/batch.ts') return READS.has(fn) ? 'batch read' : WRITES.has(fn) ? 'statement building' : 'rules';
  if (file === 'src/participant/store/participants.ts' || file === 'src/db/directory.ts') return 'batch read';
  if (file === 'src/db/sqlite-thread.ts') return fn === 'executeQuery' ? 'batch read' : HANDOFF.has(fn) || fn === '' ? 'hand-off to the SQLite thread' : undefined;
  if (file === 'src/lib/batch-queue.ts' || file === 'src/db/group-commit.ts') return 'group-commit queue';
  if (file.startsWith('src/participant/') || /^src\/lib\/(phone|email|text|birthdate|principal)\.ts$/.test(file) || /node_modules\/libphonenumber-js\//.test(file)) return 'rules';
  if (file.startsWith('src/auth/') || /node_modules\/jose\//.test(file)) return 'auth';
  if (/^src\/wire\/(encode|negotiate)/.test(file) || /node_modules\/fast-json-stringify\//.test(file)) return 'encode';
  if (file.startsWith('src/wire/') || /node_modules\/(fast-xml-parser|strnum)\//.test(file)) return 'decode (JSON, XML)';
  if (file === 'src/http/metrics.ts' || /node_modules\/(pino|pino-std-serializers|prom-client|sonic-boom|thread-stream|abstract-logging|on-exit-leak-free|bintrees|tdigest)\//.test(file)) return 'logging + metrics';
  if (file.startsWith('src/http/') || /node_modules\/(fastify|@fastify\/[^/]+|find-my-way|avvio|light-my-request|fast-querystring|toad-cache|fastq|rfdc|process-warning|secure-json-parse)\//.test(file)) return 'HTTP + fastify';
  if (/^node:(_http|http|net|stream|internal\/(streams|http|net|stream_base|js_stream))/.test(file)) return 'HTTP + fastify';
  return undefined;
}

/** The SQLite thread's code is evaluated from a string: its frames have no file. */
function sqliteThreadStage(stack: readonly Frame[]): Stage | undefined {
  for (const f of stack) {
    // Database#exec runs BEGIN, COMMIT and ROLLBACK; statements go through execute/prepare.
    if (f.fn === 'exec' && /better-sqlite3/.test(f.file)) return 'commit + fsync';
    if ((f.fn === 'execute' || f.fn === 'prepare') && f.file === '[worker eval]') return 'SQLite statements';
    if (f.fn === 'postMessage' || f.file === 'node:internal/per_context/messageport') return 'hand-off to the SQLite thread';
  }
  return undefined;
}

function bucketOf(stack: readonly Frame[], sqliteThread: boolean): Bucket {
  const self = stack[0]!;
  if (self.fn === '(idle)') return IDLE;
  if (self.fn === '(garbage collector)') return 'garbage collection';
  if (stack.some((f) => /^node:internal\/(modules|bootstrap)\//.test(f.file) || /node_modules\/tsx\//.test(f.file))) return STARTUP;
  if (sqliteThread) return sqliteThreadStage(stack) ?? 'promises, events, other';
  for (const f of stack) {
    const stage = frameStage(f);
    if (stage) return stage;
  }
  return 'promises, events, other';
}

/** perf record's sampling rate under --perf: a sample per ~1 ms of CPU of each thread. */
export const PERF_HZ = 999;

const GC_NATIVE = /Scaveng|MarkCompact|Heap::Collect|Heap::Perform|GCTracer|Sweeper|ConcurrentMarking|MinorM|IncrementalMarking|Evacuat|MemoryAllocator|ArrayBufferSweeper/;

/**
 * One `perf script -F tid,ip,sym,dso` sample as frames, innermost first: JIT frames
 * ("JS:*name url:line:col", from node's --perf-basic-prof map) as the V8 profile names them;
 * native frames by symbol, with file '' (the JavaScript around them decides their stage),
 * except the garbage collector's, which make the whole sample GC.
 */
function perfFrames(lines: readonly string[], sources: Sources, jit: JitMap | undefined): Frame[] {
  const frames: Frame[] = [];
  for (const line of lines) {
    const m = /^\s*([0-9a-f]+) (.*) \((.*)\)$/.exec(line);
    if (!m) continue;
    const [, ip = '', perfSym = '', dso = ''] = m;
    const sym = jit && /perf-\d+\.map$/.test(dso) ? (jit.lookup(parseInt(ip, 16)) ?? perfSym) : perfSym;
    const js = /^(?:JS|Script|Function|LazyCompile):[~*^+-]?(\S*) (.+?):(\d+):(\d+)$/.exec(sym);
    if (js) {
      frames.push(sources.frame({ functionName: js[1]!, url: js[2]!, lineNumber: Number(js[3]) - 1, columnNumber: Number(js[4]) - 1 }));
      continue;
    }
    if (GC_NATIVE.test(sym)) return [{ fn: '(garbage collector)', file: '' }];
    frames.push({ fn: sym, file: /kallsyms/.test(dso) ? '[kernel]' : '' });
  }
  return frames;
}

/**
 * better-sqlite3's native calls, by what SQLite does inside them (a checkpoint: lcm's
 * checkpointer thread, or inside the floor's COMMIT when the WAL passed 1,000 pages) (small JavaScript functions
 * around them may be inlined into their callers, so their names cannot tell): a COMMIT
 * (lcm's SQLite thread runs it with Database#exec, the floor as a prepared statement) writes
 * the WAL and fsyncs; Statement#get is a read (the floor's); Statement#run on lcm's SQLite
 * thread or the floor's thread, a statement of the write. lcm's main thread reads with
 * Statement#all, under executeQuery: the rules of frameStage say 'batch read'.
 */
function sqliteStage(native: string, frames: readonly Frame[]): Stage | undefined {
  if (/walCheckpoint|sqlite3WalCheckpoint/.test(native)) return 'WAL checkpoint';
  if (/Database::JS_exec/.test(native) || (/Statement::JS_run/.test(native) && /CommitPhase|WalFrames|walWriteToLog|unixSync|fdatasync|fsync/.test(native))) return 'commit + fsync';
  if (/Statement::JS_get/.test(native)) return 'batch read';
  if (/Statement::JS_run|Database::JS_prepare/.test(native) || (/Statement::JS_all/.test(native) && frames.some((f) => f.file === '[worker eval]'))) return 'SQLite statements';
  return undefined;
}

/** A sample with no JavaScript on its stack: what the event loop, the kernel or a helper thread did. */
function nativeStage(frames: readonly Frame[]): Stage {
  const syms = frames.map((f) => f.fn).join(' ');
  if (/v8::internal::compiler::|v8::internal::(maglev|baseline)::|OptimizingCompile|Compiler::/.test(syms)) return 'JIT compilation (V8)';
  if (/MessagePort|ValueSerializer|ValueDeserializer/.test(syms)) return 'hand-off to the SQLite thread';
  if (/llhttp|uv__read|uv__write|uv__stream|tcp_|inet_|sock_|epoll|uv__io_poll|uv__server_io|Accept/.test(syms)) return 'HTTP + fastify';
  return 'promises, events, other';
}

/**
 * Node's perf map (/tmp/perf-<pid>.map: "start size name" per JIT code object, appended as
 * code is made). Code is collected and its addresses reused, so an address may be covered
 * by several entries: the latest wins (perf itself takes the first).
 */
export class JitMap {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly names: string[] = [];

  constructor(text: string) {
    const entries: { start: number; end: number; name: string; order: number }[] = [];
    let order = 0;
    for (const line of text.split('\n')) {
      const m = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
      if (m) entries.push({ start: parseInt(m[1]!, 16), end: parseInt(m[1]!, 16) + parseInt(m[2]!, 16), name: m[3]!, order: order++ });
    }
    // By start; of entries with the same start, the latest.
    entries.sort((a, b) => a.start - b.start || b.order - a.order);
    let last = -1;
    for (const e of entries) {
      if (e.start === last) continue;
      last = e.start;
      this.starts.push(e.start);
      this.ends.push(e.end);
      this.names.push(e.name);
    }
  }

  lookup(ip: number): string | undefined {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid]! <= ip) lo = mid + 1;
      else hi = mid - 1;
    }
    return hi >= 0 && ip < this.ends[hi]! ? this.names[hi] : undefined;
  }
}

export interface PerfThread {
  tid: number;
  /** Samples per bucket. */
  buckets: Map<Bucket, number>;
  samples: number;
}

/** The samples of each thread of a `perf script` output, by bucket. */
export function perfThreads(text: string, sources: Sources, jit?: JitMap, detail?: (tid: number, b: Bucket, frames: readonly Frame[]) => void): PerfThread[] {
  const threads = new Map<number, PerfThread>();
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines.length < 2) continue;
    const tid = Number(lines[0]!.trim());
    const frames = perfFrames(lines.slice(1), sources, jit);
    if (frames.length === 0) continue;
    let t = threads.get(tid);
    if (!t) threads.set(tid, (t = { tid, buckets: new Map(), samples: 0 }));
    let b: Bucket;
    const native = frames.map((f) => f.fn).join(' ');
    if (frames[0]!.fn === '(garbage collector)') b = 'garbage collection';
    else if (sqliteStage(native, frames)) b = sqliteStage(native, frames)!;
    else {
      const js = frames.filter((f) => f.file !== '' && f.file !== '[kernel]');
      b = js.length === 0 ? nativeStage(frames) : bucketOf(js, js.some((f) => f.file === '[worker eval]'));
      // Statements run by better-sqlite3 on the main thread are the batch's reads.
      if (b === 'promises, events, other' && frames.some((f) => /sqlite3_step|Statement::JS_/.test(f.fn))) b = 'batch read';
    }
    t.buckets.set(b, (t.buckets.get(b) ?? 0) + 1);
    t.samples++;
    detail?.(tid, b, frames);
  }
  return [...threads.values()].sort((a, b) => b.samples - a.samples);
}

/** Maps frames of lcm's bundle to its sources (the bundle is written with a linked source map). */
export class Sources {
  private readonly maps = new Map<string, SourceMap | null>();
  constructor(private readonly root: string) {}

  frame(c: CallFrame): Frame {
    const fn = c.functionName;
    if (c.url === '' || c.url.startsWith('node:')) return { fn, file: c.url };
    if (!c.url.startsWith('file://') && !c.url.startsWith('/')) return { fn, file: c.url };
    const file = c.url.startsWith('/') ? c.url : fileURLToPath(c.url);
    const map = this.map(file);
    if (map) {
      const entry = map.findEntry(c.lineNumber, c.columnNumber) as { originalSource?: string };
      if (entry.originalSource) return { fn, file: this.relative(entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : path.resolve(path.dirname(file), entry.originalSource)) };
    }
    return { fn, file: this.relative(file) };
  }

  private relative(file: string): string {
    const rel = path.relative(this.root, file).split(path.sep).join('/');
    const dep = /(?:^|\/)(node_modules\/.*)$/.exec(rel);
    return dep && !rel.startsWith('node_modules/.cache/') ? dep[1]! : rel;
  }

  private map(file: string): SourceMap | null {
    let m = this.maps.get(file);
    if (m !== undefined) return m;
    m = null;
    if (/\.cache\/lcm\//.test(file) && fs.existsSync(`${file}.map`)) m = new SourceMap(JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')));
    this.maps.set(file, m);
    return m;
  }
}

/**
 * Milliseconds per bucket of one profile, between its first and last sample of a request;
 * with `detail`, also the self time of each function within each bucket.
 */
export function bucketsOf(profile: CpuProfile, sources: Sources, sqliteThread: boolean, detail?: Map<Bucket, Map<string, number>>): Map<Bucket, number> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map<number, Bucket>();
  const bucket = (id: number): Bucket => {
    let b = memo.get(id);
    if (b === undefined) {
      const stack: Frame[] = [];
      for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) stack.push(sources.frame(byId.get(p)!.callFrame));
      b = bucketOf(stack, sqliteThread);
      memo.set(id, b);
    }
    return b;
  };
  const isRequest = (b: Bucket) => b !== IDLE && b !== STARTUP && b !== 'garbage collection' && b !== 'promises, events, other';
  const buckets = profile.samples.map(bucket);
  const first = buckets.findIndex(isRequest);
  let last = buckets.length - 1;
  while (last >= 0 && !isRequest(buckets[last]!)) last--;
  const out = new Map<Bucket, number>();
  for (let i = Math.max(first, 0); i <= last; i++) {
    const b = buckets[i]!;
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    out.set(b, (out.get(b) ?? 0) + ms);
    if (detail) {
      const f = sources.frame(byId.get(profile.samples[i]!)!.callFrame);
      const name = `${f.fn || '(anonymous)'} ${f.file}`;
      const fnMs = detail.get(b) ?? new Map<string, number>();
      fnMs.set(name, (fnMs.get(name) ?? 0) + ms);
      detail.set(b, fnMs);
    }
  }
  return out;
}

export interface ThreadStages {
  scenario: ScenarioId;
  thread: 'main' | 'SQLite thread' | 'other threads';
  /** CPU of the thread per acknowledged request (/proc), µs. */
  cpuUs: number;
  /** Sampled time per request (busy, not idle), µs. */
  sampledUs: number;
  /** µs of CPU per request, per stage. */
  stages: Partial<Record<Stage, number>>;
  /** Stages whose CPU is the thread's remainder rather than scaled samples. */
  estimated: Stage[];
}

function load(file: string): CpuProfile {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
}

/** The SQLite thread's profile: the one of <id>.thread-*.cpuprofile that runs statements. */
function sqliteThreadProfile(dir: string, id: ScenarioId, sources: Sources): Map<Bucket, number> | undefined {
  for (const f of fs.readdirSync(dir).filter((f) => f.startsWith(`${id}.thread-`) && f.endsWith('.cpuprofile'))) {
    const b = bucketsOf(load(path.join(dir, f)), sources, true);
    if ((b.get('SQLite statements') ?? 0) > 0) return b;
  }
  return undefined;
}

/** The perf map kept beside <id>.perf.txt, if any. */
function jitMap(perfTxt: string): JitMap | undefined {
  const file = perfTxt.replace(/\.txt$/, '.map');
  return fs.existsSync(file) ? new JitMap(fs.readFileSync(file, 'utf8')) : undefined;
}

/**
 * From `perf record` (--perf): every sample is a millisecond of CPU of one thread, so a
 * stage's µs per request is its samples ÷ the requests, no scaling. Threads: the main one
 * (its id is the pid), the SQLite thread (the one running statements), and the rest
 * (V8's and libuv's helpers: parallel garbage collection, the checkpointer).
 */
function perfStageTables(dir: string, report: BenchReport, sources: Sources): ThreadStages[] {
  const out: ThreadStages[] = [];
  for (const r of report.scenarios) {
    const file = path.join(dir, `${r.id}.perf.txt`);
    const requests = r.acknowledged ?? 0;
    const mainTid = r.threads?.find((t) => t.name === 'main')?.tid;
    if (!fs.existsSync(file) || requests === 0 || mainTid === undefined) continue;
    const threads = perfThreads(fs.readFileSync(file, 'utf8'), sources, jitMap(file));
    const us = (samples: number) => (1e6 * samples) / PERF_HZ / requests;
    const toStages = (buckets: Map<Bucket, number>) => Object.fromEntries([...buckets].map(([b, n]) => [b, us(n)])) as Partial<Record<Stage, number>>;
    const main = threads.find((t) => t.tid === mainTid);
    const sqlite = threads.find((t) => t.tid !== mainTid && (t.buckets.get('SQLite statements') ?? 0) > 0);
    const rest = threads.filter((t) => t !== main && t !== sqlite);
    const merged = new Map<Bucket, number>();
    for (const t of rest) for (const [b, n] of t.buckets) merged.set(b, (merged.get(b) ?? 0) + n);
    const total = (ts: readonly PerfThread[]) => us(ts.reduce((a, t) => a + t.samples, 0));
    if (main) out.push({ scenario: r.id, thread: 'main', cpuUs: total([main]), sampledUs: total([main]), stages: toStages(main.buckets), estimated: [] });
    if (sqlite) out.push({ scenario: r.id, thread: 'SQLite thread', cpuUs: total([sqlite]), sampledUs: total([sqlite]), stages: toStages(sqlite.buckets), estimated: [] });
    if (rest.length) out.push({ scenario: r.id, thread: 'other threads', cpuUs: total(rest), sampledUs: total(rest), stages: toStages(merged), estimated: [] });
  }
  return out;
}

/**
 * The stages of each thread of B, C (lcm) and G (floor) in a run's profile directory: from
 * perf's samples when the run was under --perf, else from V8's profiles (--profile).
 */
export function stageTables(dir: string, report: BenchReport, root: string): ThreadStages[] {
  const sources = new Sources(root);
  if (fs.readdirSync(dir).some((f) => f.endsWith('.perf.txt'))) return perfStageTables(dir, report, sources);
  const out: ThreadStages[] = [];
  for (const r of report.scenarios.filter((s) => ['B', 'C', 'G', 'D', 'F'].includes(s.id))) {
    const main = path.join(dir, `${r.id}.cpuprofile`);
    const requests = r.acknowledged ?? 0;
    const threads = r.threads ?? [];
    if (!fs.existsSync(main) || requests === 0 || threads.length === 0) continue;
    const mainCpu = threads.find((t) => t.name === 'main')?.cpuUsPerRequest ?? 0;
    const mainBuckets = bucketsOf(load(main), sources, false);
    const busy = (b: Map<Bucket, number>) => [...b].filter(([k]) => k !== IDLE && k !== STARTUP).reduce((a, [, ms]) => a + ms, 0);
    const perRequest = (ms: number) => (1000 * ms) / requests;
    if (r.id === 'G') {
      // The floor's COMMIT CPU is measured; its other stages share the rest of the thread's CPU.
      const commit = r.groupCommit?.commitCpuUsPerRequest ?? 0;
      const other = busy(mainBuckets) - (mainBuckets.get('commit + fsync') ?? 0);
      out.push(scaled(r, 'main', mainCpu, perRequest(busy(mainBuckets)), mainBuckets, (mainCpu - commit) / perRequest(other), { 'commit + fsync': commit }));
      continue;
    }
    const k = mainCpu / perRequest(busy(mainBuckets));
    out.push(scaled(r, 'main', mainCpu, perRequest(busy(mainBuckets)), mainBuckets, k, {}));
    const threadBuckets = sqliteThreadProfile(dir, r.id, sources);
    // The SQLite thread is the busiest thread but the main one (V8's and libuv's helpers use far less).
    const threadCpu = threads.filter((t) => t.name !== 'main')[0]?.cpuUsPerRequest;
    if (threadBuckets && threadCpu !== undefined) {
      const nonCommit = busy(threadBuckets) - (threadBuckets.get('commit + fsync') ?? 0);
      const commit = Math.max(0, threadCpu - k * perRequest(nonCommit));
      out.push(scaled(r, 'SQLite thread', threadCpu, perRequest(busy(threadBuckets)), threadBuckets, k, { 'commit + fsync': commit }));
    }
  }
  return out;
}

function scaled(r: ScenarioResult, thread: ThreadStages['thread'], cpuUs: number, sampledUs: number, buckets: Map<Bucket, number>, k: number, fixed: Partial<Record<Stage, number>>): ThreadStages {
  const stages: Partial<Record<Stage, number>> = {};
  const requests = r.acknowledged ?? 1;
  for (const [b, ms] of buckets) {
    if (b === IDLE || b === STARTUP || b in fixed) continue;
    stages[b] = (k * 1000 * ms) / requests;
  }
  return { scenario: r.id, thread, cpuUs, sampledUs, stages: { ...stages, ...fixed }, estimated: Object.keys(fixed) as Stage[] };
}

const fmt = (v: number | undefined) => (v === undefined || v < 0.05 ? '–' : v < 10 ? v.toFixed(1) : String(Math.round(v)));

/** The table of docs/performance.md: a row per stage, a column per scenario and thread. */
export function formatStages(tables: readonly ThreadStages[]): string {
  const label = (t: ThreadStages) => `${t.scenario === 'G' ? 'floor (G)' : `lcm ${t.scenario}`}, ${t.thread === 'main' ? (t.scenario === 'G' ? 'its thread' : 'main thread') : t.thread}`;
  const head = `| µs of CPU per request | ${tables.map(label).join(' | ')} |`;
  const rule = `|---|${tables.map(() => '---:').join('|')}|`;
  const rows = STAGES.filter((s) => tables.some((t) => (t.stages[s] ?? 0) >= 0.05)).map(
    (s) => `| ${s} | ${tables.map((t) => `${t.estimated.includes(s) && t.scenario !== 'G' ? '≈' : ''}${fmt(t.stages[s])}`).join(' | ')} |`,
  );
  const total = `| **thread CPU per request** | ${tables.map((t) => `**${fmt(t.cpuUs)}**`).join(' | ')} |`;
  const sampled = `| time on the thread per request (samples) | ${tables.map((t) => fmt(t.sampledUs)).join(' | ')} |`;
  // perf's samples are CPU: the two lines would be the same.
  return [head, rule, ...rows, total, ...(tables.some((t) => t.sampledUs !== t.cpuUs) ? [sampled] : [])].join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean', default: false }, detail: { type: 'string' } } });
  const dir = positionals[0];
  if (!dir) {
    process.stderr.write('usage: node --import tsx bench/stages.ts PROFILE_DIR [--json]   (PROFILE_DIR from npm run bench -- --profile PROFILE_DIR)\n');
    process.exit(2);
  }
  const report = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as BenchReport;
  if (values.detail?.endsWith('.perf.txt')) {
    // --detail B.perf.txt: per thread and stage, the innermost JavaScript function and native symbol of the samples.
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    const counts = new Map<string, Map<string, number>>();
    const add = (key: string, name: string) => {
      const m = counts.get(key) ?? new Map<string, number>();
      m.set(name, (m.get(name) ?? 0) + 1);
      counts.set(key, m);
    };
    const file = path.join(dir, values.detail);
    const threads = perfThreads(fs.readFileSync(file, 'utf8'), new Sources(root), jitMap(file), (tid, b, frames) => {
      const js = frames.find((f) => f.file !== '' && f.file !== '[kernel]');
      add(`${tid} ${b}`, `js: ${js ? `${js.fn || '(anonymous)'} ${js.file}` : '(none)'}`);
      add(`${tid} ${b}`, `native: ${frames[0]!.fn}${frames[0]!.file === '[kernel]' ? ' [kernel]' : ''}`);
    });
    for (const t of threads.slice(0, 4)) {
      process.stdout.write(`thread ${t.tid}: ${t.samples} samples\n`);
      for (const [b, n] of [...t.buckets].sort((x, y) => y[1] - x[1])) {
        process.stdout.write(`  ${b}: ${n}\n`);
        const top = [...(counts.get(`${t.tid} ${b}`) ?? [])].sort((x, y) => y[1] - x[1]);
        for (const kind of ['js: ', 'native: ']) for (const [name, c] of top.filter(([k]) => k.startsWith(kind)).slice(0, 6)) process.stdout.write(`    ${String(c).padStart(6)}  ${name}\n`);
      }
    }
    return;
  }
  if (values.detail) {
    // --detail B.cpuprofile: the functions (self time, ms) inside each stage of one profile.
    const file = path.join(dir, values.detail);
    const detail = new Map<Bucket, Map<string, number>>();
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
    const totals = bucketsOf(load(file), new Sources(root), /thread-/.test(values.detail) && !/^G/.test(values.detail), detail);
    for (const [b, ms] of [...totals].sort((x, y) => y[1] - x[1])) {
      process.stdout.write(`${b}: ${ms.toFixed(0)} ms\n`);
      for (const [name, fms] of [...(detail.get(b) ?? [])].sort((x, y) => y[1] - x[1]).slice(0, 12)) process.stdout.write(`  ${fms.toFixed(0).padStart(6)} ms  ${name}\n`);
    }
    return;
  }
  const tables = stageTables(dir, report, path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));
  process.stdout.write(values.json ? `${JSON.stringify(tables, null, 2)}\n` : `${formatStages(tables)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
