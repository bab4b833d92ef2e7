// The per-stage table of `npm run bench -- --perf`: perf's samples of a thread go to the
// stage of the innermost JavaScript function that names one, native SQLite calls by what
// SQLite does in them, the garbage collector by its symbols; a JIT address takes the name of
// the latest code at that address in node's perf map. Made-up samples, no timing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JitMap, Sources, perfThreads } from '../../bench/stages.ts';

const ROOT = '/work/lcm';
const sources = new Sources(ROOT);

/** One sample of `perf script -F tid,ip,sym,dso`: frames innermost first, as "ip sym (dso)". */
const sample = (tid: number, frames: readonly string[]) => `${tid} \n${frames.map((f) => `\t    ${f}`).join('\n')}\n`;
const js = (ip: string, name: string, file: string) => `${ip} JS:*${name} ${file}:10:3 (/tmp/perf-1.map)`;

describe('bench/stages.ts on perf samples', () => {
  it('gives each sample the stage of its innermost JavaScript that names one', () => {
    const text = [
      // libphonenumber called from the rules.
      sample(1, [js('a1', 'parse', `${ROOT}/node_modules/libphonenumber-js/es6/parse.js`), js('a2', 'checkProfile', `file://${ROOT}/src/participant/rules.ts`)]),
      // A kernel write under Node's stream code: HTTP.
      sample(1, ['ffff1 tcp_sendmsg ([kernel.kallsyms])', js('a3', 'writevGeneric', 'node:internal/stream_base_commons'), js('a4', 'handler', `file://${ROOT}/src/http/operation-routes.ts`)]),
      // kysely under the batch's read.
      sample(1, [js('a5', 'visitNode', `${ROOT}/node_modules/kysely/dist/esm/x.js`), js('a6', 'readParticipants', `file://${ROOT}/src/participant/store/batch-write.ts`)]),
      // The garbage collector, whatever ran.
      sample(1, ['c1 v8::internal::Scavenger::ScavengeObject (/usr/bin/node)', js('a2', 'checkProfile', `file://${ROOT}/src/participant/rules.ts`)]),
      // The SQLite thread: a COMMIT through Database#exec, a statement through Statement#run.
      sample(2, ['b1 unixSync (better_sqlite3.node)', 'b2 Database::JS_exec (better_sqlite3.node)', js('a7', 'run', '[worker eval]')]),
      sample(2, ['b3 sqlite3VdbeExec (better_sqlite3.node)', 'b4 Statement::JS_run (better_sqlite3.node)', js('a8', 'execute', '[worker eval]')]),
    ].join('\n');
    const threads = perfThreads(text, sources);
    const main = threads.find((t) => t.tid === 1)!;
    assert.deepEqual(Object.fromEntries(main.buckets), { rules: 1, 'HTTP + fastify': 1, 'batch read': 1, 'garbage collection': 1 });
    const sqlite = threads.find((t) => t.tid === 2)!;
    assert.deepEqual(Object.fromEntries(sqlite.buckets), { 'commit + fsync': 1, 'SQLite statements': 1 });
  });

  it('names a JIT address by the latest code at it, not the first', () => {
    // ajv's code at 0x1000 was collected; kysely's compiled later at the same address.
    const map = new JitMap(['1000 100 JS:*uniqueItems /x/node_modules/ajv/lib/u.js:1:1', '2000 10 JS:*other /x/o.js:1:1', `1000 80 JS:*flush file://${ROOT}/src/participant/update/batch.ts:5:1`].join('\n'));
    assert.match(map.lookup(0x1010)!, /flush/);
    assert.equal(map.lookup(0x1090), undefined, 'past the latest code at that address');
    assert.match(map.lookup(0x2005)!, /other/);
    const text = sample(1, ['1010 JS:*uniqueItems /x/node_modules/ajv/lib/u.js:1:1 (/tmp/perf-1.map)']);
    assert.deepEqual(Object.fromEntries(perfThreads(text, sources, map)[0]!.buckets), { 'statement building': 1 });
  });
});
