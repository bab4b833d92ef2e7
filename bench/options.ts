// Command-line options of `npm run bench -- …`.
import { parseArgs } from 'node:util';
import path from 'node:path';
import fs from 'node:fs';
import type { Ceiling, Generator, ScenarioId } from './types.ts';
import { ROOT } from './processes.ts';

export interface BenchOptions {
  quick: boolean;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  participants: number;
  largeParticipants: number;
  only: ReadonlySet<ScenarioId>;
  pgAdminUrl: string;
  /** Run the lcm and floor servers under --cpu-prof and keep their profiles here. */
  profileDir: string | undefined;
  /** Record the lcm and floor servers with `perf record` (on-CPU samples of every thread) into here. */
  perfDir: string | undefined;
  resultsDir: string;
  /** Copy the SQLite databases from a cache kept between runs (built on first use). */
  cache: boolean;
  generator: Generator;
  ceiling: Ceiling;
  /** Exit 1 when a target is missed (else a missed target is reported only). */
  strict: boolean;
  /**
   * C, G, B and F take turns this many times (C G B F C G B F …), each turn durationSeconds /
   * rounds long: every ratio then compares scenarios measured in the same minutes. 1 under
   * --perf and --profile, whose recordings are one per scenario.
   */
  rounds: number;
}

export const USAGE = `npm run bench -- [options]
  --quick              5 s per scenario after a 2 s warm-up (default 30 s after 5 s)
  --duration N         measured seconds per scenario
  --warmup N           warm-up seconds per scenario
  --connections N      concurrent connections / pg clients (default 32)
  --participants N     participants of B–E (default 100000)
  --large N            participants of F (default 1000000)
  --only A,B,…         run only these scenarios (A–G)
  --rounds N           C, G, B and F take turns N times, each turn duration/N long (default 2;
                       1 under --perf and --profile)
  --strict             exit 1 when a target is missed (default: report it, exit 0)
  --pg URL             PostgreSQL admin URL (env LCM_BENCH_PG, default postgres://postgres@127.0.0.1:5432/postgres)
  --profile DIR        run the lcm and floor servers under node --cpu-prof, profiles into DIR
                       (bench/stages.ts DIR: the per-stage table from them, and each stage's functions)
  --perf DIR           record the lcm and floor servers with perf record (on-CPU samples, every
                       thread) into DIR, and print the per-stage CPU table (bench/stages.ts DIR)
  --results DIR        where the JSON goes (default bench/results)
  --no-cache           build the SQLite databases afresh instead of copying cached ones
  --generator G        wrk or autocannon (default: wrk when it is on PATH)
  --ceiling C          what serves A: node (bare node:http, the default) or fastify (one route)`;

function positive(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer`);
  return n;
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean', default: false },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      participants: { type: 'string' },
      large: { type: 'string' },
      only: { type: 'string' },
      rounds: { type: 'string' },
      pg: { type: 'string' },
      profile: { type: 'string' },
      perf: { type: 'string' },
      results: { type: 'string' },
      'no-cache': { type: 'boolean', default: false },
      generator: { type: 'string' },
      ceiling: { type: 'string', default: 'node' },
      strict: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const all: ScenarioId[] = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];
  const only = values.only ? values.only.toUpperCase().split(',').map((s) => s.trim()) : all;
  for (const id of only) if (!all.includes(id as ScenarioId)) throw new Error(`--only: unknown scenario ${id}`);
  const hasWrk = onPath('wrk');
  const generator = values.generator ?? (hasWrk ? 'wrk' : 'autocannon');
  if (generator !== 'wrk' && generator !== 'autocannon') throw new Error('--generator must be wrk or autocannon');
  if (values.ceiling !== 'node' && values.ceiling !== 'fastify') throw new Error('--ceiling must be node or fastify');
  if (values.perf !== undefined && !onPath('perf')) throw new Error('--perf: perf is not on PATH (apt-get install linux-perf)');
  if (values.perf !== undefined && values.profile !== undefined) throw new Error('--perf and --profile: one profiler at a time');
  const profiling = values.perf !== undefined || values.profile !== undefined;
  const rounds = positive('rounds', values.rounds, profiling ? 1 : 2);
  if (rounds > 1 && profiling) throw new Error('--rounds: one round under --perf and --profile (one recording per scenario)');
  if (generator === 'wrk' && !hasWrk) throw new Error('--generator wrk: wrk is not on PATH (apt-get install wrk)');
  return {
    quick: values.quick,
    connections: positive('connections', values.connections, 32),
    durationSeconds: positive('duration', values.duration, values.quick ? 5 : 30),
    warmupSeconds: values.warmup === '0' ? 0 : positive('warmup', values.warmup, values.quick ? 2 : 5),
    participants: positive('participants', values.participants, 100_000),
    largeParticipants: positive('large', values.large, 1_000_000),
    only: new Set(only as ScenarioId[]),
    pgAdminUrl: values.pg ?? process.env.LCM_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    profileDir: values.profile === undefined ? undefined : path.resolve(values.profile),
    perfDir: values.perf === undefined ? undefined : path.resolve(values.perf),
    resultsDir: path.resolve(values.results ?? path.join(ROOT, 'bench', 'results')),
    cache: !values['no-cache'],
    generator,
    ceiling: values.ceiling,
    strict: values.strict,
    rounds,
  };
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
