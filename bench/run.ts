// `npm run bench [-- --quick] [-- --strict]`: the scenarios A–G in one run, each with the same
// number of connections and the same duration, then the table, the targets of issue 18 and
// bench/results/*.json. See docs/performance.md. Exits 2 on bad options, 1 when the harness
// fails or (with --strict) a target is missed, else 0.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseOptions, USAGE } from './options.ts';
import type { BenchOptions } from './options.ts';
import { ROOT, cleanupAll, startWorker } from './processes.ts';
import { formatStages, stageTables } from './stages.ts';
import { log } from './log.ts';
import { postgresDatabase, sqliteDatabase } from './populate.ts';
import { ceilingScenario, clientUpdateScenarios, pgCeilingScenario } from './scenarios.ts';
import type { ClientUpdateRun, LoadWorker } from './scenarios.ts';
import { checks, cpuBounds, exitDecision, formatChecks, formatTable, infoRatios, writeReport } from './report.ts';
import type { BenchReport, ScenarioId, ScenarioResult } from './types.ts';
import { mergeTurns } from './rounds.ts';


async function scenarios(opts: BenchOptions, results: ScenarioResult[]): Promise<void> {
  const loader: LoadWorker = startWorker('load.ts');
  const want = (...ids: ScenarioId[]) => ids.some((id) => opts.only.has(id));
  const done = (r: ScenarioResult) => {
    results.push(r);
    log(`${r.id}: ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, errors ${r.errors}, ErrorCode≠0 ${r.errorCodeNonZero}, peak RSS ${r.peakRssMb} MB${r.serverCpuPercent === null ? '' : `, server CPU ${r.serverCpuPercent}%`}${r.machineCpuPercent === null ? '' : `, machine CPU ${r.machineCpuPercent}%`}${r.groupCommit ? `, ${r.groupCommit.meanBatch} requests per commit, ${r.groupCommit.retried} batches refused and run again` : ''}${r.verified ? `; ${r.verified.ok ? 'verified' : 'NOT VERIFIED'}: ${r.verified.detail}` : ''}${r.threads?.length ? `; CPU µs per request by thread: ${r.threads.map((t) => `${t.name} ${t.cpuUsPerRequest}`).join(', ')}` : ''}`);
  };

  if (want('A')) {
    log('A: ceiling server');
    done(await ceilingScenario(opts, loader));
  }
  if (want('D', 'E')) {
    log(`D, E: PostgreSQL with ${opts.participants} participants`);
    const db = await postgresDatabase(opts.pgAdminUrl, opts.participants);
    if (want('D')) {
      await clientUpdateScenarios(opts, loader, { database: db.url, password: db.password, participants: opts.participants }, [{ id: 'D', title: 'ClientUpdate JSON, PostgreSQL', format: 'json' }], done);
    }
    if (want('E')) done(await pgCeilingScenario(opts, db.url, opts.participants));
    await db.remove();
  }
  // C, G, B and F take turns (C G B F C G B F …: opts.rounds), each turn against a server of
  // its own on a quiet disk: each ratio compares scenarios measured in the same minutes,
  // because the machine's speed drifts within minutes.
  const smallRuns = ([
    { id: 'C', title: 'ClientUpdate XML, SQLite', format: 'xml' },
    { id: 'G', title: 'floor: hand-written durable server, JSON', format: 'json', server: 'floor' },
    { id: 'B', title: 'ClientUpdate JSON, SQLite', format: 'json' },
  ] satisfies ClientUpdateRun[]).filter((r) => want(r.id));
  const largeRun: ClientUpdateRun = { id: 'F', title: `ClientUpdate JSON, SQLite, ${opts.largeParticipants / 1e6}M`, format: 'json' };
  const ids = [...smallRuns, ...(want('F') ? [largeRun] : [])].map((r) => r.id);
  if (ids.length === 0) return;
  log(`${ids.join(', ')}: SQLite with ${opts.participants} participants${want('F') ? ` (F: ${opts.largeParticipants} and their history)` : ''}, ${opts.rounds} turn${opts.rounds > 1 ? 's' : ''} each`);
  let small: Awaited<ReturnType<typeof sqliteDatabase>> | undefined;
  let large: typeof small;
  try {
    if (smallRuns.length) small = await sqliteDatabase(opts.participants, opts.cache);
    if (want('F')) large = await sqliteDatabase(opts.largeParticipants, opts.cache);
    const turnOpts: BenchOptions = { ...opts, durationSeconds: Math.max(1, Math.round(opts.durationSeconds / opts.rounds)) };
    const turns = new Map<ScenarioId, ScenarioResult[]>();
    const turnDone = (r: ScenarioResult) => {
      turns.set(r.id, [...(turns.get(r.id) ?? []), r]);
      if (opts.rounds > 1) log(`   ${r.id}, turn ${turns.get(r.id)!.length} of ${opts.rounds}: ${r.rps} req/s, p99 ${r.p99} ms`);
    };
    for (let round = 1; round <= opts.rounds; round++) {
      if (small) await clientUpdateScenarios(turnOpts, loader, { database: small.file, password: small.password, participants: opts.participants }, smallRuns, turnDone, round);
      if (large) await clientUpdateScenarios(turnOpts, loader, { database: large.file, password: large.password, participants: opts.largeParticipants }, [largeRun], turnDone, round);
    }
    for (const id of ids) done(mergeTurns(turns.get(id)!));
  } finally {
    await small?.remove();
    await large?.remove();
  }
}

async function main(): Promise<void> {
  let opts: BenchOptions;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: cleaning up`);
      void cleanupAll().then(() => process.exit(130));
    });
  }
  const startedAt = new Date().toISOString();
  log(`${opts.connections} connections (${opts.generator}), ${opts.warmupSeconds} s warm-up + ${opts.durationSeconds} s per scenario: ${[...opts.only].join(', ')}`);
  const results: ScenarioResult[] = [];
  try {
    await scenarios(opts, results);
  } catch (err) {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await cleanupAll();
    process.exit(1);
  }
  await cleanupAll();

  const list = checks(results);
  const report: BenchReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    quick: opts.quick,
    machine: { cpus: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.release()}` },
    options: { connections: opts.connections, durationSeconds: opts.durationSeconds, warmupSeconds: opts.warmupSeconds, generator: opts.generator, ceiling: opts.ceiling },
    scenarios: results,
    checks: list,
  };
  const file = writeReport(opts.resultsDir, report);
  const stagesDir = opts.profileDir ?? opts.perfDir;
  if (stagesDir) fs.writeFileSync(path.join(stagesDir, 'results.json'), `${JSON.stringify(report, null, 2)}\n`);
  const bounds = cpuBounds(results, report.machine.cpus);
  const info = infoRatios(results);
  process.stdout.write(`\n${formatTable(results)}\n\n${formatChecks(list)}\n${info.length ? `\nfor information, not targets: ${info.join(', ')}\n` : ''}\n${bounds.map((b) => `${b}\n`).join('')}${bounds.length ? '\n' : ''}`);
  if (stagesDir) {
    const tables = stageTables(stagesDir, report, ROOT);
    if (tables.length) process.stdout.write(`Where the CPU goes, per request (bench/stages.ts ${stagesDir}):\n\n${formatStages(tables)}\n\n`);
  }
  const decision = exitDecision(list, opts.strict);
  log(`${decision.message}; results in ${file}`);
  if (decision.code !== 0) log('--strict: exiting 1');
  process.exitCode = decision.code;
}

await main();
