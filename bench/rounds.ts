// One scenario's turns (options.ts: rounds) as one result: the counts added up, requests/s
// over the measured seconds of all turns, p99 the worst turn's, CPU and RSS as below.
import type { ScenarioResult } from './types.ts';

type Thread = NonNullable<ScenarioResult['threads']>[number];

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** The mean of `value` over the turns, each weighted by `weight`; null when a turn has none. */
function weighted(turns: readonly ScenarioResult[], value: (r: ScenarioResult) => number | null, weight: (r: ScenarioResult) => number, digits = 0): number | null {
  const values = turns.map(value);
  if (values.some((v) => v === null)) return null;
  const total = sum(turns.map(weight));
  if (total === 0) return null;
  const scale = 10 ** digits;
  return Math.round((scale * sum(turns.map((r, i) => values[i]! * weight(r)))) / total) / scale;
}

/** Each turn ran its own server: its threads are matched by rank (busiest first). */
function mergeThreads(turns: readonly ScenarioResult[]): Thread[] | undefined {
  if (turns.some((r) => !r.threads)) return undefined;
  const ranked = turns.map((r) => {
    const main = r.threads!.filter((t) => t.name === 'main');
    return [...main, ...r.threads!.filter((t) => t.name !== 'main').sort((a, b) => b.cpuUsPerRequest - a.cpuUsPerRequest)];
  });
  const width = Math.min(...ranked.map((r) => r.length));
  const requests = turns.map((r) => r.acknowledged ?? 0);
  const total = sum(requests);
  return Array.from({ length: width }, (_, i) => ({
    tid: ranked[0]![i]!.tid,
    name: ranked[0]![i]!.name,
    cpuUsPerRequest: total === 0 ? 0 : Math.round(sum(ranked.map((r, turn) => r[i]!.cpuUsPerRequest * requests[turn]!)) / total),
  }));
}

function mergeGroupCommit(turns: readonly ScenarioResult[]): ScenarioResult['groupCommit'] {
  const all = turns.map((r) => r.groupCommit);
  if (all.some((g) => g === null)) return null;
  const batches = sum(all.map((g) => g!.batches));
  const requests = sum(all.map((g) => g!.requests));
  const commitCpu = all.every((g) => g!.commitCpuUsPerRequest !== undefined)
    ? weighted(turns, (r) => r.groupCommit!.commitCpuUsPerRequest!, (r) => r.groupCommit!.requests, 1)
    : null;
  return {
    batches,
    requests,
    meanBatch: Math.round((10 * requests) / batches) / 10,
    retried: sum(all.map((g) => g!.retried)),
    ...(commitCpu === null ? {} : { commitCpuUsPerRequest: commitCpu }),
  };
}

/** The turns of one scenario, in the order they ran, as one result. */
export function mergeTurns(turns: readonly ScenarioResult[]): ScenarioResult {
  const first = turns[0];
  if (!first) throw new Error('mergeTurns: no turns');
  if (turns.length === 1) return first;
  const responses = sum(turns.map((r) => r.responses));
  const seconds = sum(turns.map((r) => r.seconds));
  const rss = turns.map((r) => r.peakRssMb).filter((v): v is number => v !== null);
  const verified = turns.map((r) => r.verified);
  const threads = mergeThreads(turns);
  const acknowledged = turns.every((r) => r.acknowledged !== undefined) ? sum(turns.map((r) => r.acknowledged!)) : undefined;
  return {
    ...first,
    rps: Math.round(responses / seconds),
    // The median of all answers is not kept by the turns: their medians, weighted by answers.
    p50: weighted(turns, (r) => r.p50, (r) => r.responses, 2) ?? 0,
    p99: Math.max(...turns.map((r) => r.p99)),
    responses,
    seconds: Math.round(seconds * 100) / 100,
    errors: sum(turns.map((r) => r.errors)),
    errorCodeNonZero: sum(turns.map((r) => r.errorCodeNonZero)),
    peakRssMb: rss.length ? Math.max(...rss) : null,
    serverCpuPercent: weighted(turns, (r) => r.serverCpuPercent, (r) => r.seconds),
    machineCpuPercent: weighted(turns, (r) => r.machineCpuPercent, (r) => r.seconds),
    verified: verified.some((v) => v === null) ? null : { ok: verified.every((v) => v!.ok), detail: verified.map((v) => v!.detail).join('; ') },
    groupCommit: mergeGroupCommit(turns),
    ...(threads ? { threads } : {}),
    ...(acknowledged === undefined ? {} : { acknowledged }),
  };
}
