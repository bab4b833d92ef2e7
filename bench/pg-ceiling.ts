// Scenario E, the PostgreSQL ceiling: 32 `pg` clients, each sending the single-row UPDATE that
// a ClientUpdate makes (names and phone of a random participant), autocommit, one after the
// other, no HTTP. Every UPDATE is its own transaction, committed and flushed
// (synchronous_commit=on). Run in its own process by run.ts through runChild.
import pg from 'pg';
import { serveChild, peakRssMb } from './processes.ts';
import { phoneA, phoneB } from './request-bodies.ts';
import { Latencies } from './latencies.ts';
import type { PgCeilingResult, PgCeilingSpec } from './types.ts';

const UPDATE = 'update participants set name = $1, surname = $2, phone = $3, updated_at = $4, version = version + 1 where id = $5';

interface Phase {
  latencies: Latencies;
  updated: number;
  errors: number;
  seconds: number;
}

async function phase(clients: pg.Client[], spec: PgCeilingSpec, seconds: number, next: () => unknown[]): Promise<Phase> {
  const latencies = new Latencies();
  let updated = 0;
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          const r = await client.query({ name: 'bench-update', text: UPDATE, values: next() });
          latencies.add(performance.now() - t);
          if (r.rowCount === 1) updated++;
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies, updated, errors, seconds: (performance.now() - start) / 1000 };
}

async function ceiling(spec: PgCeilingSpec): Promise<PgCeilingResult> {
  const onB = new Uint8Array(spec.participants + 1);
  let seq = 0;
  const next = (): unknown[] => {
    const id = 1 + Math.floor(Math.random() * spec.participants);
    onB[id] = onB[id] ? 0 : 1;
    seq++;
    return [`Иван${spec.tag}${seq}`, `Петров${spec.tag}${seq}`, onB[id] ? phoneB(id) : phoneA(id), new Date().toISOString(), id];
  };
  const clients = Array.from({ length: spec.connections }, () => new pg.Client({ connectionString: spec.url }));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    const warm = spec.warmupSeconds > 0 ? await phase(clients, spec, spec.warmupSeconds, next) : undefined;
    const m = await phase(clients, spec, spec.durationSeconds, next);
    return {
      responses: m.latencies.count,
      seconds: Math.round(m.seconds * 100) / 100,
      rps: Math.round(m.latencies.count / m.seconds),
      p50: m.latencies.percentile(50),
      p99: m.latencies.percentile(99),
      errors: m.errors,
      updated: { warmup: warm?.updated ?? 0, measured: m.updated },
      peakRssMb: peakRssMb(process.pid) ?? 0,
    };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

serveChild(ceiling);
