// `lcm client import FILE.csv [--operator N] [--rejects FILE] [--database]` (docs/import.md).
import fs from 'node:fs';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { configFrom, databaseOption, withStore, UsageError } from './common.ts';
import type { Store } from '../db/store.ts';
import { operatorExists } from '../db/directory.ts';
import { csvLine, detectDelimiter, firstLine, readCsv } from '../import/csv-records.ts';
import type { CsvRecord, Delimiter } from '../import/csv-records.ts';
import { readHeader } from '../import/columns.ts';
import type { Header } from '../import/columns.ts';
import { clientIdOf, importParticipants } from '../import/importer.ts';
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
  let delimiter: Delimiter;
  try {
    delimiter = detectDelimiter(firstLine(file));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  // A first pass reads the header and checks the whole file's syntax before anything is
  // written; it keeps only the row count and the largest Client id.
  let header: Header | undefined;
  let headerFields: string[] = [];
  let rows = 0;
  let floor = 0;
  try {
    for await (const record of readCsv(file, delimiter)) {
      if (header === undefined) {
        header = readHeader(record.fields);
        headerFields = record.fields;
        continue;
      }
      rows++;
      floor = Math.max(floor, clientIdOf(header, record));
    }
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`);
  }
  if (header === undefined) throw new UsageError(`${file} is empty: a header row is needed`);
  const rejectsFile = flags.rejects ?? `${file.replace(/\.csv$/i, '')}.rejects.csv`;

  const summary = await withStore(configFrom(flags), async (store) => {
    const operatorId = await chooseOperator(store, flags.operator);
    const bar = process.stdout.isTTY ? new cliProgress.SingleBar({ format: 'Importing [{bar}] {percentage}% | {value}/{total} rows | {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
    bar?.start(rows, 0);
    const started = performance.now();
    try {
      const result = await importParticipants(store, header, withoutHeader(readCsv(file, delimiter)), { operatorId, floor, onProgress: (done) => bar?.update(done) });
      return { ...result, seconds: (performance.now() - started) / 1000 };
    } finally {
      bar?.stop();
    }
  }, { create: true });

  writeRejects(rejectsFile, headerFields, summary, delimiter);
  process.stdout.write(
    `Imported ${file}: ${summary.rows} rows — ${summary.created} created, ${summary.updated} updated, ${summary.unchanged} unchanged, ${summary.rejected.length} rejected (${rejectsFile}) in ${summary.seconds.toFixed(1)} s.\n`,
  );
}

async function* withoutHeader(records: AsyncIterable<CsvRecord>): AsyncGenerator<CsvRecord> {
  let first = true;
  for await (const record of records) {
    if (!first) yield record;
    first = false;
  }
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
  if (ops.length !== 1) throw new UsageError(ops.length === 0 ? 'there is no operator: seed one first (lcm seed FILE with an "operators" entry; see docs/import.md)' : 'there are several operators: give --operator');
  return ops[0]!.id;
}

/** Line, ErrorCode and reason, then the row as it was, so it can be corrected and re-imported. */
function writeRejects(file: string, header: readonly string[], summary: ImportSummary, delimiter: Delimiter): void {
  const out = [csvLine(['Line', 'ErrorCode', 'Reason', ...header], delimiter)];
  for (const r of summary.rejected) out.push(csvLine([r.line, r.code, r.message, ...r.fields], delimiter));
  fs.writeFileSync(file, out.join(''));
}
