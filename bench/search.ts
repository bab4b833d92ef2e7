// `npm run bench:search`: the operator console's search (ClientSearch) against 1,000,000
// participants on SQLite and on PostgreSQL, through a running `lcm serve`. Each kind of query
// is sent one at a time (latency, not throughput), after a warm-up; p50, p95 and the slowest
// answer are printed against the 100 ms target and written to bench/results/search-*.json.
// Apart from `npm run bench` (it builds its own 1M databases), see docs/console.md.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { postgresDatabase, sqliteDatabase } from './populate.ts';
import { startLcm, signIn } from './lcm-server.ts';
import { ROOT, cleanupAll } from './processes.ts';
import { log } from './log.ts';

const USAGE = `npm run bench:search -- [options]
  --participants N   participants (default 1000000)
  --requests N       measured requests per kind of query (default 200, after 20 warm-up)
  --engines E,…      sqlite, postgres or both (default both)
  --pg URL           PostgreSQL admin URL (env LCM_BENCH_PG, default postgres://postgres@127.0.0.1:5432/postgres)
  --no-cache         build the SQLite database afresh instead of copying the cached one`;

const TARGET_MS = 100;
/** Participants 1..CARDS get a card 2000000000000 + id. */
const CARDS = 10_000;

interface Kind {
  name: string;
  /** The i-th query of this kind (i random in 1..participants). */
  query(i: number): string;
  /** How many participants each answer must hold (the check that the search did find). */
  expect: (n: number) => boolean;
}

const phone = (i: number) => String(79000000000 + i).replace(/^7(\d{3})(\d{3})(\d{2})(\d{2})$/, '8 $1 $2-$3-$4');

function kinds(n: number): Kind[] {
  return [
    { name: 'phone, typed "8 900 123-45-67"', query: phone, expect: (k) => k === 1 },
    { name: 'e-mail, other letter case', query: (i) => `USER${i}@Example.RU`, expect: (k) => k === 1 },
    { name: 'card number', query: (i) => String(2000000000000 + (i % CARDS) + 1), expect: (k) => k === 1 },
    { name: 'surname (whole)', query: (i) => `петров${i}`, expect: (k) => k >= 1 },
    { name: 'surname prefix + name prefix', query: (i) => `Петров${1 + (i % 999)} Ив`, expect: (k) => k >= 1 },
    { name: `short prefix "Петр" (all ${n} match, 50 answered)`, query: () => 'Петр', expect: (k) => k === 50 },
    { name: 'rare name under a common surname: "Петр Я"', query: () => 'Петр Я', expect: (k) => k === 0 },
    // The case no index answers directly: each prefix alone matches a ninth of everyone, both together nobody.
    { name: 'worst case "Петров5 Иван9": 111,111 surnames and as many names match, no one both', query: () => 'Петров5 Иван9', expect: (k) => k === 0 },
  ];
}

interface KindResult {
  kind: string;
  requests: number;
  p50: number;
  p95: number;
  max: number;
  pass: boolean;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const round = (ms: number) => Math.round(ms * 100) / 100;

async function measure(url: string, token: string, n: number, requests: number): Promise<KindResult[]> {
  const out: KindResult[] = [];
  for (const kind of kinds(n)) {
    const times: number[] = [];
    for (let r = 0; r < 20 + requests; r++) {
      const i = 1 + Math.floor(Math.random() * n);
      const t0 = performance.now();
      const res = await fetch(`${url}/api/client/ClientSearch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ Query: kind.query(i) }),
      });
      const body = (await res.json()) as { ErrorCode: number; Clients: unknown[] };
      const ms = performance.now() - t0;
      if (res.status !== 200 || body.ErrorCode !== 0 || !kind.expect(body.Clients.length)) {
        throw new Error(`${kind.name}: ${kind.query(i)} answered ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
      }
      if (r >= 20) times.push(ms);
    }
    times.sort((a, b) => a - b);
    const result = { kind: kind.name, requests, p50: round(quantile(times, 0.5)), p95: round(quantile(times, 0.95)), max: round(times[times.length - 1]!), pass: quantile(times, 0.95) <= TARGET_MS };
    log(`  ${result.kind}: p50 ${result.p50} ms, p95 ${result.p95} ms, max ${result.max} ms`);
    out.push(result);
  }
  return out;
}

function addCardsSqlite(file: string): void {
  const db = new SQLite(file);
  try {
    db.prepare(`insert into cards (number, operator_id, participant_id, status)
      with recursive s(i) as (select 1 union all select i + 1 from s where i < ?) select 2000000000000 + i, 1, i, 0 from s`).run(CARDS);
  } finally {
    db.close();
  }
}

async function addCardsPostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`insert into cards (number, operator_id, participant_id, status) select 2000000000000 + i, 1, i, 0 from generate_series(1, $1::int) i`, [CARDS]);
    await client.query('analyze cards');
  } finally {
    await client.end();
  }
}

async function run(engine: 'sqlite' | 'postgres', o: { participants: number; requests: number; pgAdminUrl: string; cache: boolean }): Promise<KindResult[]> {
  log(`${engine}: populating ${o.participants} participants`);
  const db = engine === 'sqlite' ? await sqliteDatabase(o.participants, o.cache) : await postgresDatabase(o.pgAdminUrl, o.participants);
  const database = 'file' in db ? db.file : db.url;
  if ('file' in db) addCardsSqlite(db.file);
  else await addCardsPostgres(db.url);
  const server = await startLcm(database);
  try {
    const token = await signIn(server.url, db.password);
    log(`${engine}: ${o.requests} searches of each kind, one at a time`);
    return await measure(server.url, token, o.participants, o.requests);
  } finally {
    await server.stop();
    await db.remove();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      participants: { type: 'string', default: '1000000' },
      requests: { type: 'string', default: '200' },
      engines: { type: 'string', default: 'sqlite,postgres' },
      pg: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const o = {
    participants: Number(values.participants),
    requests: Number(values.requests),
    pgAdminUrl: values.pg ?? process.env.LCM_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    cache: !values['no-cache'],
  };
  const engines = values.engines.split(',').map((e) => e.trim());
  if (!Number.isInteger(o.participants) || o.participants < CARDS || !Number.isInteger(o.requests) || o.requests <= 0 || engines.some((e) => e !== 'sqlite' && e !== 'postgres')) {
    throw new Error(USAGE);
  }
  const startedAt = new Date().toISOString();
  const results: Record<string, KindResult[]> = {};
  try {
    for (const engine of engines as ('sqlite' | 'postgres')[]) results[engine] = await run(engine, o);
  } finally {
    await cleanupAll();
  }
  const report = { startedAt, finishedAt: new Date().toISOString(), machine: { cpus: os.cpus().length, node: process.version }, participants: o.participants, targetMs: TARGET_MS, results };
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `search-${startedAt.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`\n| engine | query | p50 ms | p95 ms | max ms | p95 ≤ ${TARGET_MS} ms |\n|---|---|---|---|---|---|\n`);
  for (const [engine, rows] of Object.entries(results)) {
    for (const r of rows) process.stdout.write(`| ${engine} | ${r.kind} | ${r.p50} | ${r.p95} | ${r.max} | ${r.pass ? 'pass' : 'FAIL'} |\n`);
  }
  log(`results in ${path.relative(ROOT, file)}`);
}

await main();
