// The targets of issue 18 checked against a run, the printed table, and the JSON written to
// bench/results/.
import fs from 'node:fs';
import path from 'node:path';
import type { BenchReport, Check, ScenarioId, ScenarioResult } from './types.ts';

/**
 * The ratio targets of issue 18, within one run: against the floor (G, a hand-written server
 * doing the same durable work), PostgreSQL alone (E), and ten times the data (F/B). `bound`:
 * a missed one gets the line of cpuBounds.
 */
const RATIOS: readonly { num: ScenarioId; den: ScenarioId; min: number; bound: boolean }[] = [
  { num: 'B', den: 'G', min: 1.0, bound: true },
  { num: 'C', den: 'G', min: 0.9, bound: true },
  { num: 'D', den: 'E', min: 0.6, bound: true },
  { num: 'F', den: 'B', min: 0.9, bound: false },
];
/** Printed for information, not targets: against a server that writes nothing (A). */
const INFO_RATIOS: readonly { num: ScenarioId; den: ScenarioId }[] = [
  { num: 'B', den: 'A' },
  { num: 'C', den: 'A' },
];
const MAX_P99_MS = 20;
const P99_SCENARIOS: readonly ScenarioId[] = ['B', 'C', 'D'];
const MAX_RSS_MB = 250;
const SERVICE_SCENARIOS: readonly ScenarioId[] = ['B', 'C', 'D', 'F'];

/**
 * For each ratio against another server (G, E) that missed its target: the most it could be if its
 * numerator used every core at this run's machine CPU per request (server, load generator,
 * database and kernel all counted) — an estimate of what the design allows on this machine,
 * not a promise: larger batches at higher load would cost a little less per request.
 */
export function cpuBounds(results: readonly ScenarioResult[], cores: number): string[] {
  const by = new Map(results.map((r) => [r.id, r]));
  const out: string[] = [];
  for (const { num, den, min, bound } of RATIOS) {
    const n = by.get(num);
    const d = by.get(den);
    if (!bound || !n || !d || !n.machineCpuPercent || n.rps === 0 || d.rps === 0 || n.rps / d.rps >= min) continue;
    const perRequestUs = (10_000 * n.machineCpuPercent) / n.rps;
    const most = (cores * 1e6) / perRequestUs;
    out.push(`${num}/${den} ≤ ${(most / d.rps).toFixed(2)} with all ${cores} cores busy (${num}: ${Math.round(perRequestUs)} µs of machine CPU per request, at most ~${Math.round(most)} requests/s)`);
  }
  return out;
}

export function checks(results: readonly ScenarioResult[]): Check[] {
  const by = new Map(results.map((r) => [r.id, r]));
  const out: Check[] = [];
  for (const { num, den, min } of RATIOS) {
    const n = by.get(num);
    const d = by.get(den);
    if (!n || !d || d.rps === 0) continue;
    const ratio = n.rps / d.rps;
    out.push({ name: `${num}/${den} requests/s`, target: `≥ ${min.toFixed(2)}`, value: ratio.toFixed(2), pass: ratio >= min });
  }
  for (const id of P99_SCENARIOS) {
    const r = by.get(id);
    if (r) out.push({ name: `${id} p99`, target: `≤ ${MAX_P99_MS} ms`, value: `${r.p99} ms`, pass: r.p99 <= MAX_P99_MS });
  }
  for (const id of SERVICE_SCENARIOS) {
    const r = by.get(id);
    if (r) out.push({ name: `${id} peak RSS`, target: `≤ ${MAX_RSS_MB} MB`, value: `${r.peakRssMb ?? '?'} MB`, pass: r.peakRssMb !== null && r.peakRssMb <= MAX_RSS_MB });
  }
  for (const r of results) {
    const bad = r.errors + r.errorCodeNonZero;
    out.push({ name: `${r.id} errors + ErrorCode≠0`, target: '0', value: String(bad), pass: bad === 0 });
    if (r.verified) out.push({ name: `${r.id} changes in the database`, target: 'every acknowledged change', value: r.verified.detail, pass: r.verified.ok });
  }
  return out;
}

/** B/A and C/A of a run, for information. */
export function infoRatios(results: readonly ScenarioResult[]): string[] {
  const by = new Map(results.map((r) => [r.id, r]));
  return INFO_RATIOS.flatMap(({ num, den }) => {
    const n = by.get(num);
    const d = by.get(den);
    return n && d && d.rps > 0 ? [`${num}/${den} ${(n.rps / d.rps).toFixed(2)}`] : [];
  });
}

/**
 * What the run exits with: 0 unless `strict` and a target was missed, then 1 and a message
 * naming every missed target. Without --strict a missed target is reported, never fatal.
 */
export function exitDecision(list: readonly Check[], strict: boolean): { code: 0 | 1; message: string } {
  const missed = list.filter((c) => !c.pass);
  if (missed.length === 0) return { code: 0, message: `all ${list.length} targets met` };
  const names = missed.map((c) => `${c.name} ${c.value} (target ${c.target})`).join('; ');
  return { code: strict ? 1 : 0, message: `${missed.length} of ${list.length} targets missed: ${names}` };
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);

export function formatTable(results: readonly ScenarioResult[]): string {
  const head = `${pad('', 3)}${pad('scenario', 44)}${lpad('req/s', 8)}${lpad('p50 ms', 9)}${lpad('p99 ms', 9)}${lpad('errors', 8)}${lpad('EC≠0', 7)}${lpad('RSS MB', 8)}${lpad('CPU %', 7)}${lpad('host %', 8)}${lpad('batch', 7)}  durability`;
  const lines = results.map((r) => {
    const dur = Object.entries(r.durability)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return `${pad(r.id, 3)}${pad(r.title, 44)}${lpad(String(r.rps), 8)}${lpad(r.p50.toFixed(2), 9)}${lpad(r.p99.toFixed(2), 9)}${lpad(String(r.errors), 8)}${lpad(String(r.errorCodeNonZero), 7)}${lpad(String(r.peakRssMb ?? '?'), 8)}${lpad(String(r.serverCpuPercent ?? ''), 7)}${lpad(String(r.machineCpuPercent ?? ''), 8)}${lpad(r.groupCommit ? String(r.groupCommit.meanBatch) : '', 7)}  ${dur}`;
  });
  return [head, ...lines].join('\n');
}

export function formatChecks(list: readonly Check[]): string {
  return list.map((c) => `${c.pass ? 'pass' : 'FAIL'}  ${pad(c.name, 34)} ${pad(c.value, 16)} target ${c.target}`).join('\n');
}

/** Writes <dir>/<timestamp>[-quick].json and <dir>/latest[-quick].json; returns the first path. */
export function writeReport(dir: string, report: BenchReport): string {
  fs.mkdirSync(dir, { recursive: true });
  const suffix = report.quick ? '-quick' : '';
  const file = path.join(dir, `${report.startedAt.replace(/[:.]/g, '-')}${suffix}.json`);
  const text = `${JSON.stringify(report, null, 2)}\n`;
  fs.writeFileSync(file, text);
  fs.writeFileSync(path.join(dir, `latest${suffix}.json`), text);
  return file;
}

/** The run as the Markdown tables of docs/performance.md. */
export function formatMarkdown(report: BenchReport): string {
  const ms = (v: number) => v.toFixed(1);
  const rows = report.scenarios.map((r) => {
    const dur = Object.entries(r.durability)
      .filter(([k]) => k === 'synchronous' || k === 'journal_mode' || k === 'synchronous_commit' || k === 'fsync')
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    return `| ${r.id} | ${r.title} | ${r.rps} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.errors} | ${r.errorCodeNonZero} | ${r.peakRssMb ?? '?'} | ${r.serverCpuPercent ?? ''} | ${r.machineCpuPercent ?? ''} | ${r.groupCommit?.meanBatch ?? ''} | ${dur} |`;
  });
  const checkRows = report.checks.filter((c) => !/changes in the database|errors \+/.test(c.name)).map((c) => `| ${c.name} | ${c.target} | ${c.value} | ${c.pass ? 'pass' : '**FAIL**'} |`);
  const errors = report.checks.filter((c) => /errors \+/.test(c.name));
  const verified = report.checks.filter((c) => /changes in the database/.test(c.name));
  const bounds = cpuBounds(report.scenarios, report.machine.cpus);
  return [
    `Run of ${report.startedAt} (${report.quick ? 'quick' : 'full'}: ${report.options.connections} connections${report.options.generator ? ` (${report.options.generator})` : ''}${report.options.ceiling === 'fastify' ? ', A through fastify' : ''}, ${report.options.warmupSeconds} s warm-up + ${report.options.durationSeconds} s each; ${report.machine.cpus} CPUs, Node ${report.machine.node}).`,
    '',
    '| | scenario | req/s | p50 ms | p99 ms | errors | ErrorCode≠0 | peak RSS MB | server CPU % | machine CPU % | requests per commit | durability read back |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows,
    '',
    '| target | wanted | measured | |',
    '|---|---|---|---|',
    ...checkRows,
    `| errors + ErrorCode≠0, every scenario | 0 | ${errors.map((c) => c.value).join(', ')} | ${errors.every((c) => c.pass) ? 'pass' : '**FAIL**'} |`,
    `| acknowledged changes found in the database | all | ${verified.filter((c) => c.pass).length} of ${verified.length} scenarios | ${verified.every((c) => c.pass) ? 'pass' : '**FAIL**'} |`,
    ...(bounds.length ? ['', ...bounds.map((b) => `- ${b}`)] : []),
  ].join('\n');
}
