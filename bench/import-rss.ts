// Peak memory and time of `lcm client import` on a generated file, as a user runs it:
//   node --import tsx bench/import-rss.ts [ROWS=1000000] [--database postgres://…]
// Generates ROWS valid rows (bench/import-csv.ts), seeds one operator into a fresh database
// (a fresh SQLite file unless --database), imports the file under /usr/bin/time -v and
// prints the rows, the command's own timing line, its peak RSS and the machine's load.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const rows = Number(process.argv[2] ?? 1_000_000);
const dbFlag = process.argv.indexOf('--database');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lcm-import-rss-'));
const database = dbFlag > 0 ? process.argv[dbFlag + 1]! : path.join(dir, 'lcm.sqlite');
const csv = path.join(dir, 'clients.csv');

function run(cmd: string, args: string[]): string {
  const res = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.status}):\n${res.stdout}\n${res.stderr}`);
  return `${res.stdout}${res.stderr}`;
}

try {
  run(process.execPath, ['--import', 'tsx', 'bench/import-csv.ts', String(rows), csv]);
  const fixtures = path.join(dir, 'operator.json');
  fs.writeFileSync(fixtures, JSON.stringify({ operators: [{ Id: 1, Name: 'Bench' }] }));
  run(process.execPath, ['bin/lcm.js', 'seed', fixtures, '--database', database]);
  const load = os.loadavg()[0]!.toFixed(1);
  const out = run('/usr/bin/time', ['-v', process.execPath, 'bin/lcm.js', 'client', 'import', csv, '--database', database]);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(out)?.[1]);
  const wall = /Elapsed \(wall clock\) time.*: (\S+)/.exec(out)?.[1];
  const summary = /Imported .*/.exec(out)?.[0];
  console.log(
    JSON.stringify(
      {
        rows,
        fileMB: Math.round(fs.statSync(csv).size / 1e6),
        engine: dbFlag > 0 ? 'postgresql' : 'sqlite',
        peakRssMB: Math.round(kb / 1024),
        wall,
        summary,
        cpus: os.cpus().length,
        loadAverageBefore: Number(load),
        loadAverageAfter: Number(os.loadavg()[0]!.toFixed(1)),
        node: process.version,
      },
      null,
      2,
    ),
  );
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
