// Where a V8 CPU profile's time went: self time grouped by layer of the service, by module,
// and the top functions. For profiles of `node --cpu-prof bin/lcm.js serve` (see
// docs/performance.md):
//   node --import tsx bench/profile-summary.ts PROFILE.cpuprofile [--top 25] [--json]
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { CallFrame, CpuProfile } from './cpu-profile.ts';

const isNodeOrNative = (f: CallFrame) => f.url === '' || f.url.startsWith('node:');

/**
 * Layers, first match wins. `self` tests the sampled frame (for a native function, the
 * JavaScript that called it); `stack` the whole stack, innermost frame first.
 */
const LAYERS: readonly { name: string; stack?: (frames: readonly CallFrame[]) => boolean; self?: (f: CallFrame) => boolean }[] = [
  { name: 'idle (waiting: I/O, database round trips)', self: (f) => f.functionName === '(idle)' },
  { name: 'garbage collection', self: (f) => f.functionName === '(garbage collector)' },
  { name: 'commit + fsync (SQLite, on the main thread)', stack: (s) => s.some((c) => c.functionName === 'commitTransaction' && /sqlite/.test(c.url)) },
  // Node's socket code (writev, streams) run on behalf of the pg driver: sending queries.
  { name: 'pg driver (incl. socket writes to PostgreSQL)', stack: (s) => /node_modules\/pg(-[a-z]+)?\//.test(s.find((c) => !isNodeOrNative(c))?.url ?? '') },
  // better-sqlite3 runs statements synchronously in native code, sampled as its JS caller.
  { name: 'SQLite statements (better-sqlite3, native)', self: (f) => /better-sqlite3/.test(f.url) || (f.functionName === 'executeQuery' && /sqlite-driver/.test(f.url)) },
  { name: 'kysely (query building, compiling)', self: (f) => /node_modules\/kysely\//.test(f.url) },
  { name: 'XML parsing (fast-xml-parser)', self: (f) => /fast-xml-parser|strnum/.test(f.url) },
  { name: 'decoding/encoding (src/wire)', self: (f) => /\/src\/wire\//.test(f.url) },
  { name: 'phone validation (libphonenumber-js)', self: (f) => /libphonenumber-js/.test(f.url) },
  { name: 'domain rules (src/participant, src/lib)', self: (f) => /\/src\/(participant\/(?!store\/)|lib\/)/.test(f.url) },
  { name: 'store (src/db, src/participant/store)', self: (f) => /\/src\/(db|participant\/store)\//.test(f.url) },
  { name: 'auth: JWT (jose, src/auth)', self: (f) => /node_modules\/jose\/|\/src\/auth\//.test(f.url) },
  { name: 'http layer (src/http)', self: (f) => /\/src\/http\//.test(f.url) },
  { name: 'fastify (routing, hooks, reply, logging)', self: (f) => /node_modules\/(fastify|@fastify|find-my-way|avvio|pino|fast-json-stringify|light-my-request|fast-querystring|toad-cache|abstract-logging)/.test(f.url) },
  { name: 'node HTTP/net/streams', self: (f) => /^node:(_http|http|net|stream|internal\/(streams|http|net|stream_base|js_stream))/.test(f.url) },
  { name: 'module loading (start-up)', self: (f) => /^node:internal\/modules\//.test(f.url) },
  { name: 'program (V8, native, unattributed)', self: (f) => f.functionName === '(program)' },
  { name: 'other node internals', self: (f) => f.url.startsWith('node:') },
  { name: 'other native', self: (f) => f.url === '' },
];

/** A short module name: the package, or the source directory. */
function moduleOf(url: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  const src = /\/(src\/[^/]+|bench|bin)\//.exec(url);
  if (src) return src[1]!;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').split('/')[0]!;
  return url === '' ? '(native)' : url;
}

function shortUrl(url: string): string {
  return url.replace(/^file:\/\/.*?\/(node_modules|src|bench|bin)\//, '$1/');
}

export interface Summary {
  totalMs: number;
  layers: { name: string; ms: number }[];
  modules: { name: string; ms: number }[];
  functions: { name: string; where: string; layer: string; ms: number }[];
}

export function summarize(profile: CpuProfile): Summary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));

  const layers = new Map<string, number>();
  const modules = new Map<string, number>();
  const functions = new Map<string, { name: string; where: string; layer: string; ms: number }>();
  let totalMs = 0;
  for (const [id, ms] of selfMs) {
    const node = byId.get(id)!;
    const f = node.callFrame;
    totalMs += ms;
    const stack: CallFrame[] = [];
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) stack.push(byId.get(p)!.callFrame);
    // A native function (writev, a C++ binding) counts for the JavaScript that called it.
    const owner = f.url === '' && !f.functionName.startsWith('(') ? (stack.find((c) => c.url !== '') ?? f) : f;
    const layer = LAYERS.find((l) => (l.stack ? l.stack(stack) : l.self!(owner)))?.name ?? 'other';
    layers.set(layer, (layers.get(layer) ?? 0) + ms);
    const mod = f.url === '' ? f.functionName.startsWith('(') ? f.functionName : '(native)' : moduleOf(f.url);
    modules.set(mod, (modules.get(mod) ?? 0) + ms);
    // tsx-compiled sources report generated lines: only the file is worth showing.
    const where = f.url === '' ? '' : f.lineNumber > 0 ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : shortUrl(f.url);
    const key = `${f.functionName}@${where}@${layer}`;
    const entry = functions.get(key) ?? { name: f.functionName || '(anonymous)', where, layer, ms: 0 };
    entry.ms += ms;
    functions.set(key, entry);
  }
  const sorted = <T extends { ms: number }>(xs: Iterable<T>) => [...xs].sort((a, b) => b.ms - a.ms);
  return {
    totalMs,
    layers: sorted([...layers].map(([name, ms]) => ({ name, ms }))),
    modules: sorted([...modules].map(([name, ms]) => ({ name, ms }))),
    functions: sorted(functions.values()),
  };
}

function table(rows: readonly { name: string; ms: number; where?: string; layer?: string }[], total: number, busy: number): string {
  return rows
    .map((r) => {
      const pct = `${((100 * r.ms) / total).toFixed(1)}%`.padStart(6);
      const pctBusy = (/^\(?idle/.test(r.name) ? '' : `${((100 * r.ms) / busy).toFixed(1)}%`).padStart(6);
      return `${(r.ms / 1000).toFixed(2).padStart(8)} s ${pct} ${pctBusy}  ${r.name}${r.where ? `  ${r.where}` : ''}${r.layer && r.layer !== r.name ? `  [${r.layer}]` : ''}`;
    })
    .join('\n');
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '25' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length === 0) {
    process.stderr.write('usage: node --import tsx bench/profile-summary.ts PROFILE.cpuprofile… [--top N] [--json]\n');
    process.exit(2);
  }
  const top = Number(values.top);
  for (const file of positionals) {
    const s = summarize(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ file, ...s, modules: s.modules.slice(0, top), functions: s.functions.slice(0, top) }, null, 2)}\n`);
      continue;
    }
    const idle = s.layers.find((l) => l.name.startsWith('idle'))?.ms ?? 0;
    const busy = s.totalMs - idle;
    process.stdout.write(`${file}: ${(s.totalMs / 1000).toFixed(1)} s sampled, ${(busy / 1000).toFixed(1)} s busy (columns: seconds, % of all, % of busy)\n`);
    process.stdout.write(`\nBy layer:\n${table(s.layers, s.totalMs, busy)}\n`);
    process.stdout.write(`\nBy module (self time):\n${table(s.modules.slice(0, top), s.totalMs, busy)}\n`);
    process.stdout.write(`\nTop functions (self time):\n${table(s.functions.slice(0, top), s.totalMs, busy)}\n\n`);
  }
}

main();
