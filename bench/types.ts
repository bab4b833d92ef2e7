// Shapes exchanged between the orchestrator (run.ts) and its child processes, and written
// to bench/results/*.json.

export type BodyFormat = 'json' | 'xml';

/** The HTTP load generator: wrk when installed, else autocannon (options.ts). */
export type Generator = 'wrk' | 'autocannon';
/** What serves scenario A: a bare node:http server (the ceiling), or fastify with one route. */
export type Ceiling = 'node' | 'fastify';

/** What a load child (load.ts) is told to do. */
export interface LoadSpec {
  url: string;
  /** Bearer token; the ceiling server ignores it. */
  token: string;
  format: BodyFormat;
  /** Requests name participants 1..participants. */
  participants: number;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Put into the names so that every request changes something, whatever ran before. */
  tag: string;
  generator: Generator;
}

/** Latency and throughput of one measured phase. */
export interface Measured {
  /** Responses completed in the measured phase. */
  responses: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
}

export interface LoadResult extends Measured {
  /** Socket errors (connection refused/reset), timeouts included. */
  socketErrors: number;
  timeouts: number;
  non2xx: number;
  /** 2xx answers whose ErrorCode was not 0, or that could not be read. */
  errorCodeNonZero: number;
  /** Answers with ErrorCode 0, per phase: they must all be in the database. */
  okAnswers: { warmup: number; measured: number };
  /** ErrorCode → count, for diagnosing. */
  errorCodes: Record<string, number>;
}

export interface PgCeilingSpec {
  url: string;
  participants: number;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
  tag: string;
}

export interface PgCeilingResult extends Measured {
  errors: number;
  /** Updates that reported one row changed, per phase. */
  updated: { warmup: number; measured: number };
  peakRssMb: number;
}

export type ScenarioId = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G';

export interface ScenarioResult {
  id: ScenarioId;
  title: string;
  rps: number;
  p50: number;
  p99: number;
  responses: number;
  seconds: number;
  /** Non-2xx, socket errors and timeouts (E: failed UPDATEs). */
  errors: number;
  errorCodeNonZero: number;
  peakRssMb: number | null;
  /** CPU of the server process (all threads) during warm-up and measurement, % of one core (the machine has 100 × cores). */
  serverCpuPercent: number | null;
  /** CPU of the whole machine meanwhile (server, load generator, PostgreSQL, kernel), % of one core. */
  machineCpuPercent: number | null;
  durability: Record<string, string>;
  /** What was checked in the database after the run, and whether it held. */
  verified: { ok: boolean; detail: string } | null;
  /** Group commit during warm-up and measurement (from the server's /metrics): requests per transaction. */
  groupCommit: { batches: number; requests: number; meanBatch: number; retried: number; commitCpuUsPerRequest?: number } | null;
  participants: number;
  /**
   * CPU of each of the server's threads during warm-up and measurement, µs per answered
   * request (from /proc/<pid>/task/<tid>/stat; names as the kernel has them). Absent for A and E.
   */
  threads?: { tid: number; name: string; cpuUsPerRequest: number }[];
  /** ClientUpdate scenarios: answers with ErrorCode 0, warm-up included (what `threads` is per). */
  acknowledged?: number;
}

export interface Check {
  name: string;
  target: string;
  value: string;
  pass: boolean;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  quick: boolean;
  machine: { cpus: number; node: string; platform: string };
  options: { connections: number; durationSeconds: number; warmupSeconds: number; generator?: Generator; ceiling?: Ceiling };
  scenarios: ScenarioResult[];
  checks: Check[];
}
