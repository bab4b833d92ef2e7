// A scenario measured in turns (npm run bench -- --rounds N) reported as one: requests/s over
// all measured seconds, the worst turn's p99, counts added up, a failed check in any turn
// failing the whole. No timing here: the turns are made up.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mergeTurns } from '../../bench/rounds.ts';
import { parseOptions } from '../../bench/options.ts';
import type { ScenarioResult } from '../../bench/types.ts';

function turn(rps: number, seconds: number, over: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    id: 'B',
    title: 'B',
    rps,
    p50: 5,
    p99: 15,
    responses: rps * seconds,
    seconds,
    errors: 0,
    errorCodeNonZero: 0,
    peakRssMb: 150,
    serverCpuPercent: 140,
    machineCpuPercent: 160,
    durability: { journal_mode: 'wal' },
    verified: { ok: true, detail: `${rps * seconds} acknowledged` },
    groupCommit: { batches: 100, requests: 1000, meanBatch: 10, retried: 0 },
    participants: 100_000,
    threads: [
      { tid: 1, name: 'main', cpuUsPerRequest: 130 },
      { tid: 2, name: 'node', cpuUsPerRequest: 120 },
    ],
    acknowledged: rps * seconds,
    ...over,
  };
}

describe('bench rounds: one scenario from its turns', () => {
  it('adds the answers up and takes requests/s over all measured seconds', () => {
    const merged = mergeTurns([turn(4000, 10), turn(6000, 10)]);
    assert.equal(merged.responses, 100_000);
    assert.equal(merged.seconds, 20);
    assert.equal(merged.rps, 5000);
    assert.equal(merged.acknowledged, 100_000);
  });

  it('keeps the worst p99 and peak RSS, and weights the median by answers', () => {
    const merged = mergeTurns([turn(1000, 10, { p50: 4, p99: 12, peakRssMb: 140 }), turn(3000, 10, { p50: 8, p99: 31, peakRssMb: 190 })]);
    assert.equal(merged.p99, 31);
    assert.equal(merged.peakRssMb, 190);
    assert.equal(merged.p50, 7);
  });

  it('adds errors up, and fails verification when any turn failed it', () => {
    const merged = mergeTurns([turn(5000, 10, { errors: 2, errorCodeNonZero: 1 }), turn(5000, 10, { verified: { ok: false, detail: 'missing 3' } })]);
    assert.equal(merged.errors, 2);
    assert.equal(merged.errorCodeNonZero, 1);
    assert.equal(merged.verified?.ok, false);
    assert.match(merged.verified!.detail, /missing 3/);
  });

  it('weights CPU per request by requests, the main thread first, the others by rank', () => {
    const merged = mergeTurns([
      turn(1000, 10, { threads: [{ tid: 7, name: 'node', cpuUsPerRequest: 100 }, { tid: 5, name: 'main', cpuUsPerRequest: 120 }] }),
      turn(3000, 10, { threads: [{ tid: 9, name: 'main', cpuUsPerRequest: 160 }, { tid: 11, name: 'node', cpuUsPerRequest: 140 }] }),
    ]);
    assert.deepEqual(merged.threads, [
      { tid: 5, name: 'main', cpuUsPerRequest: 150 },
      { tid: 7, name: 'node', cpuUsPerRequest: 130 },
    ]);
    assert.deepEqual(merged.groupCommit, { batches: 200, requests: 2000, meanBatch: 10, retried: 0 });
  });

  it('returns a lone turn as it is', () => {
    const one = turn(5000, 30);
    assert.equal(mergeTurns([one]), one);
  });
});

describe('bench --rounds', () => {
  it('is 2 by default, 1 under --perf and --profile, and refused above 1 with them', () => {
    assert.equal(parseOptions(['--generator', 'autocannon']).rounds, 2);
    assert.equal(parseOptions(['--generator', 'autocannon', '--rounds', '3']).rounds, 3);
    assert.equal(parseOptions(['--generator', 'autocannon', '--profile', '/tmp/p']).rounds, 1);
    assert.throws(() => parseOptions(['--generator', 'autocannon', '--profile', '/tmp/p', '--rounds', '2']), /--rounds/);
    assert.throws(() => parseOptions(['--generator', 'autocannon', '--rounds', '0']), /--rounds must be a positive integer/);
  });
});
