#!/usr/bin/env node
// Runs the test files with node's test runner and tsx (Node 20's runner does not expand
// globs itself): all of test/**/*.test.ts except test/reliability, or with --reliability
// only test/reliability (`npm run test:reliability`), or the files named. No
// --test-force-exit: in one CI run it lost the results of 16 tests of a passing file.
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
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(res.status ?? 1);
