// One fuzz suite per body format and engine: 10,000 cases on SQLite, 1,000 on PostgreSQL
// (LCM_FUZZ_RUNS overrides both), seeded by LCM_FUZZ_SEED or the fixed default.
import { describe, it } from 'node:test';
import { ENGINES } from '../../helpers/engines.ts';
import type { Format } from './fuzz-read.ts';
import { fuzzRuns, fuzzSeed, runFuzz } from './fuzz-run.ts';

export function runFuzzSuite(format: Format): void {
  const seed = fuzzSeed();
  for (const engine of ENGINES) {
    const runs = fuzzRuns(engine);
    describe(`ClientUpdate fuzz, ${format} bodies, on ${engine}`, () => {
      it(`${runs} generated and mutated bodies (seed ${seed}): documented shapes, no 500, the database changed only as the model says`, { timeout: 600_000 }, async (t) => {
        t.diagnostic(`seed ${seed} (replay: LCM_FUZZ_SEED=${seed} npm run test:reliability -- test/reliability/fuzz-${format}.test.ts)`);
        const stats = await runFuzz(format, engine, runs, seed);
        t.diagnostic(`${stats.runs} runs in ${(stats.ms / 1000).toFixed(1)} s; ${stats.mutated} mutated; ${stats.accepted} ErrorCode 0, ${stats.changed} of them changed a participant`);
        t.diagnostic(`answers: ${JSON.stringify(stats.byStatus)}`);
      });
    });
  }
}
