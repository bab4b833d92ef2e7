#!/usr/bin/env node
// Runs the test files with node's test runner and tsx (Node 20's runner does not expand
// globs itself): all of test/**/*.test.ts except test/reliability, or with --reliability
// only test/reliability (`npm run test:reliability`), or the files named. No
// --test-force-exit: in one CI run it lost the results of 16 tests of a passing file.
// The whole run (no files named), with LCM_TEST_PG set, then runs the ClientUpdate,
// ClientCreate, manager and participant sign-in, Idempotency-Key and console suites again on
// PostgreSQL through a PgBouncer in transaction mode (LCM_TEST_PG_POOLER=1,
// test/helpers/engines.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function find(dir, skipReliability) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return skipReliability && e.name === 'reliability' ? [] : find(p, skipReliability);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const args = process.argv.slice(2);
const reliability = args[0] === '--reliability';
const named = reliability ? args.slice(1) : args;
const files = named.length ? named : find(reliability ? 'test/reliability' : 'test', !reliability).sort();
const THROUGH_POOLER = [
  'test/participant/update/batch.test.ts',
  'test/participant/update/concurrency.test.ts',
  'test/participant/update/rules.test.ts',
  'test/lifecycle/client-create.test.ts',
  'test/auth/login.test.ts',
  'test/idempotency/batch.test.ts',
  'test/idempotency/keys.test.ts',
  'test/sign-in/flow.test.ts',
  'test/sign-in/limits.test.ts',
  'test/participant/console-endpoints.test.ts',
];

const run = (list, env = process.env) => spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...list], { stdio: 'inherit', env }).status ?? 1;
let status = run(files);
if (!reliability && named.length === 0 && process.env.LCM_TEST_PG) {
  process.stdout.write('\n# The same suites through PgBouncer (transaction mode): ' + THROUGH_POOLER.join(' ') + '\n');
  status = run(THROUGH_POOLER, { ...process.env, LCM_TEST_PG_POOLER: '1' }) || status;
}
process.exit(status);
