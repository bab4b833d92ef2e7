// Two processes writing one SQLite file (lcm serve --workers on SQLite, an import beside a
// running server): each transaction takes the write lock when it begins, so read-then-write
// transactions wait their turn instead of failing with SQLITE_BUSY, and none is lost.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { seededStore } from '../helpers/app.ts';
import type { TestStore } from '../helpers/engines.ts';
import { ROOT } from '../helpers/cli.ts';
import { findParticipant } from '../../src/participant/store/participants.ts';

const WRITER = path.join(ROOT, 'test/db/support/sqlite-writer.ts');

function writer(file: string, times: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, String(times)], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('two processes writing one SQLite file', () => {
  let ts: TestStore;
  before(async () => {
    ts = await seededStore('sqlite');
  });
  after(async () => ts.dispose());

  it('read-then-write transactions of both take turns; no failure, no lost update', async () => {
    const start = (await findParticipant(ts.store.db, 1))!.version;
    const n = 150;
    const results = await Promise.all([writer(ts.config.database, n), writer(ts.config.database, n)]);
    for (const r of results) assert.equal(r.code, 0, r.out);
    assert.equal((await findParticipant(ts.store.db, 1))!.version, start + 2 * n);
  });
});
