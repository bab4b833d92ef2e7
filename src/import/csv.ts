// RFC 4180 CSV: comma-separated fields, CRLF or LF line ends, fields in double quotes may
// hold commas, line breaks and doubled quotes. Each record keeps the physical line it
// starts on, so that rejects name the line a person sees in an editor.

export interface CsvRecord {
  /** 1-based physical line where the record starts. */
  line: number;
  fields: string[];
}

export class CsvError extends Error {}

/** Parses the whole text; a UTF-8 BOM is dropped and blank lines are skipped. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        const open = line;
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new CsvError(`line ${open}: a quoted field is not closed`);
          value += text.slice(i, q);
          line += countNewlines(text, i, q);
          i = q + 1;
          if (text[i] === '"') {
            value += '"';
            i++;
            continue;
          }
          break;
        }
        // Text after a closing quote is not RFC 4180; keep it rather than lose data.
        const end = fieldEnd(text, i);
        value += text.slice(i, end);
        i = end;
      } else {
        const end = fieldEnd(text, i);
        value = text.slice(i, end);
        i = end;
      }
      fields.push(value);
      if (text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    // At a line end (CRLF, LF or a lone CR) or the end of the text.
    if (text[i] === '\r') i++;
    if (text[i] === '\n') i++;
    line++;
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return records;
}

function fieldEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 44 /* , */ || c === 10 /* \n */ || c === 13 /* \r */) break;
    i++;
  }
  return i;
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) count++;
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) count++;
  }
  return count;
}

/** One record as a CSV line (CRLF-terminated), quoting only where RFC 4180 needs it. */
export function csvLine(fields: readonly (string | number)[]): string {
  return `${fields.map((f) => quoteField(String(f))).join(',')}\r\n`;
}

function quoteField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
