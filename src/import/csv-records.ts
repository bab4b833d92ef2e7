// Reading an import file record by record with csv-parse (node-csv): RFC 4180 quoting, a
// BOM dropped, blank lines skipped, and the field delimiter — `,`, `;` (Excel's default
// where the decimal separator is a comma) or tab — chosen from the header line. Each record
// keeps the physical line it starts on, so that rejects name the line an editor shows.
import fs from 'node:fs';
import { parse } from 'csv-parse';

export interface CsvRecord {
  /** 1-based physical line where the record starts. */
  line: number;
  fields: string[];
}

export type Delimiter = ',' | ';' | '\t';

export class CsvError extends Error {}

const CANDIDATES: readonly Delimiter[] = [',', ';', '\t'];

/** The delimiter that occurs most often outside quotes in the header line; `,` when none does. */
export function detectDelimiter(headerLine: string): Delimiter {
  const counts = new Map<Delimiter, number>(CANDIDATES.map((d) => [d, 0]));
  let quoted = false;
  for (const c of headerLine) {
    if (c === '"') quoted = !quoted;
    else if (!quoted && counts.has(c as Delimiter)) counts.set(c as Delimiter, counts.get(c as Delimiter)! + 1);
  }
  let best: Delimiter = ',';
  for (const d of CANDIDATES) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** The file's first line (without a BOM), read from its start only. */
export function firstLine(file: string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const text = buf.subarray(0, n).toString('utf8').replace(/^\uFEFF/, '');
    return text.split(/\r\n|\r|\n/, 1)[0] ?? '';
  } finally {
    fs.closeSync(fd);
  }
}

const LINE_BREAK = /\r\n|\r|\n/g;
const LEADING_BREAKS = /^(?:\r\n|\r|\n)+/;

/** The records of the file, header first, streamed: memory does not grow with the file. */
export async function* readCsv(file: string, delimiter: Delimiter): AsyncGenerator<CsvRecord> {
  const parser = fs.createReadStream(file).pipe(parse({ delimiter, bom: true, relax_column_count: true, skip_empty_lines: true, raw: true }));
  // csv-parse's own line count is off by one after CRLF records: count the breaks of each raw record.
  let breaks = 0;
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      const leading = LEADING_BREAKS.exec(raw)?.[0].match(LINE_BREAK)?.length ?? 0;
      yield { line: 1 + breaks + leading, fields: record };
      breaks += raw.match(LINE_BREAK)?.length ?? 0;
    }
  } catch (err) {
    const e = err as { code?: string; lines?: number; message?: string };
    if (typeof e.code === 'string' && e.code.startsWith('CSV_')) throw new CsvError(e.code === 'CSV_QUOTE_NOT_CLOSED' ? `a quoted field is not closed (${e.message})` : String(e.message));
    throw err;
  }
}

/** One record as a CSV line with CRLF, quoting fields that need it. */
export function csvLine(fields: readonly (string | number)[], delimiter: Delimiter = ','): string {
  return `${fields.map((f) => quoteField(String(f), delimiter)).join(delimiter)}\r\n`;
}

function quoteField(value: string, delimiter: Delimiter): string {
  return value.includes(delimiter) || /["\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
