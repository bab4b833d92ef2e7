// `lcm client import FILE.csv [--operator N] [--rejects FILE] [--database]` (docs/import.md).
import fs from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { configFrom, databaseOption, withStore, UsageError } from './common.ts';
import type { Store } from '../store/db.ts';
import { operatorExists } from '../store/directory.ts';
import { parseCsv, csvLine } from '../import/csv.ts';
import { readHeader } from '../import/columns.ts';
import { importParticipants } from '../import/importer.ts';
import type { ImportSummary } from '../import/importer.ts';

interface ImportFlags {
  database?: string;
  operator?: string;
  rejects?: string;
}

export function registerClientImport(client: Command): void {
  databaseOption(
    client
      .command('import')
      .argument('<file>', 'CSV file with a header row of API field names')
      .option('--operator <id>', 'operator the participants belong to (default: the only operator)')
      .option('--rejects <file>', 'where rejected rows go (default: FILE.rejects.csv)')
      .description('Import participants from a CSV file; re-running the same file duplicates no one.'),
  ).action((file: string, flags: ImportFlags) => runImport(file, flags));
}

async function runImport(file: string, flags: ImportFlags): Promise<void> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const [head, ...records] = parseCsv(text);
  if (!head) throw new UsageError(`${file} is empty: a header row is needed`);
  let header;
  try {
    header = readHeader(head.fields);
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  const rejectsFile = flags.rejects ?? `${file.replace(/\.csv$/i, '')}.rejects.csv`;

  const summary = await withStore(configFrom(flags), async (store) => {
    const operatorId = await chooseOperator(store, flags.operator);
    const bar = process.stdout.isTTY ? new cliProgress.SingleBar({ format: 'Importing [{bar}] {percentage}% | {value}/{total} rows | {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
    bar?.start(records.length, 0);
    const started = performance.now();
    try {
      const result = await importParticipants(store, header, records, { operatorId, onProgress: (done) => bar?.update(done) });
      return { ...result, seconds: (performance.now() - started) / 1000 };
    } finally {
      bar?.stop();
    }
  }, { create: true });

  writeRejects(rejectsFile, head.fields, summary);
  process.stdout.write(
    `Imported ${file}: ${summary.rows} rows — ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected.length} rejected (${rejectsFile}) in ${summary.seconds.toFixed(1)} s.\n`,
  );
}

/** The --operator given, or the only operator there is. */
async function chooseOperator(store: Store, flag: string | undefined): Promise<number> {
  if (flag !== undefined) {
    const id = Number(flag);
    if (!Number.isSafeInteger(id) || id <= 0) throw new UsageError(`--operator must be a positive integer, not ${flag}`);
    if (!(await operatorExists(store.db, id))) throw new UsageError(`operator ${id} does not exist`);
    return id;
  }
  const ops = await store.db.selectFrom('operators').select('id').limit(2).execute();
  if (ops.length !== 1) throw new UsageError(ops.length === 0 ? 'there is no operator: seed one first' : 'there are several operators: give --operator');
  return ops[0]!.id;
}

/** Line, ErrorCode and reason, then the row as it was, so it can be corrected and re-imported. */
function writeRejects(file: string, header: readonly string[], summary: ImportSummary): void {
  const out = [csvLine(['Line', 'ErrorCode', 'Reason', ...header])];
  for (const r of summary.rejected) out.push(csvLine([r.line, r.code, r.message, ...r.fields]));
  fs.writeFileSync(file, out.join(''));
}
