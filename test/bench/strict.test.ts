// `npm run bench -- --strict`: the exit decision from a run's results. A run that misses one
// target exits 1 under --strict, naming the target; without --strict it exits 0; a run that
// meets every target exits 0 either way. No timing here: the results are made up.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checks, exitDecision } from '../../bench/report.ts';
import type { ScenarioId, ScenarioResult } from '../../bench/types.ts';

function result(id: ScenarioId, rps: number, over: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    id,
    title: id,
    rps,
    p50: 5,
    p99: 15,
    responses: rps * 30,
    seconds: 30,
    errors: 0,
    errorCodeNonZero: 0,
    peakRssMb: id === 'A' || id === 'E' || id === 'G' ? null : 200,
    serverCpuPercent: null,
    machineCpuPercent: null,
    durability: {},
    verified: id === 'E' || id === 'A' ? null : { ok: true, detail: 'all found' },
    groupCommit: null,
    participants: 100_000,
    ...over,
  };
}

/** A run that meets every target: B/G 1.1, C/G 0.95, D/E 0.7, F/B 0.95; A far above (information only). */
const passing = (): ScenarioResult[] => [
  result('A', 40_000),
  result('B', 5_500),
  result('G', 5_000),
  result('C', 4_750),
  result('D', 4_200),
  result('E', 6_000),
  result('F', 5_225),
];

describe('bench --strict', () => {
  it('exits 0 when every target is met, with or without --strict; B/A and C/A are no targets', () => {
    const list = checks(passing());
    assert.ok(list.length >= 10);
    assert.ok(!list.some((c) => /\/A /.test(c.name)), 'B/A and C/A are not checked');
    assert.deepEqual(exitDecision(list, true).code, 0);
    assert.deepEqual(exitDecision(list, false).code, 0);
  });

  it('exits 1 under --strict when B/G misses 1.0, naming B/G and only it', () => {
    const run = passing().map((r) => (r.id === 'B' ? { ...r, rps: 4_900 } : r));
    const list = checks(run);
    const strict = exitDecision(list, true);
    assert.equal(strict.code, 1);
    assert.match(strict.message, /B\/G requests\/s 0\.98 \(target ≥ 1\.00\)/);
    assert.match(strict.message, /^1 of \d+ targets missed/);
    assert.doesNotMatch(strict.message, /C\/G|D\/E|F\/B|p99/);
    // Without --strict the same miss is reported, and the exit status stays 0.
    const informative = exitDecision(list, false);
    assert.equal(informative.code, 0);
    assert.match(informative.message, /B\/G requests\/s/);
  });

  it('exits 1 under --strict for a p99 over 20 ms, an unverified change, or a peak RSS over 250 MB', () => {
    const cases: [ScenarioId, Partial<ScenarioResult>, RegExp][] = [
      ['D', { p99: 20.5 }, /D p99 20\.5 ms/],
      ['C', { verified: { ok: false, detail: '10 acknowledged, +9 history' } }, /C changes in the database/],
      ['F', { peakRssMb: 251 }, /F peak RSS 251 MB/],
    ];
    for (const [id, over, named] of cases) {
      const decision = exitDecision(checks(passing().map((r) => (r.id === id ? { ...r, ...over } : r))), true);
      assert.equal(decision.code, 1, id);
      assert.match(decision.message, named);
    }
  });
});
