// The columns of an import file: API field names, with the wire types of the operations
// that own them (ClientUpdate's profile fields and Client, ClientCreate's Card) so that a
// cell is read exactly as the same value in a form body would be.
import type { FieldDecl, ScalarType } from '../contract/types.ts';
import { clientUpdate } from '../contract/client-update.ts';
import { clientCreate } from '../contract/client-create.ts';
import { readScalar } from '../wire/scalars.ts';
import { rawText } from '../wire/raw.ts';
import { DecodeError } from '../wire/decode-error.ts';
import type { ProfileInput } from '../participant/rules.ts';

/** Request fields that describe the call rather than the participant: not columns. */
const CALL_FIELDS = new Set(['PosCode', 'Operator', 'Token', 'SiteCode']);

export const IMPORT_COLUMNS: readonly FieldDecl[] = [
  ...clientUpdate.request.fields.filter((f) => !CALL_FIELDS.has(f.name)),
  ...clientCreate.request.fields.filter((f) => f.name === 'Card'),
];

/** A row read into values; cells left empty are absent. */
export interface RowValues extends ProfileInput {
  Client?: number;
  Card?: number;
}

export interface Header {
  /** Per file column, its declaration. */
  columns: FieldDecl[];
  hasClient: boolean;
}

/** Matches header names to columns (case-insensitively); unknown or repeated names are an error. */
export function readHeader(names: readonly string[]): Header {
  const byName = new Map(IMPORT_COLUMNS.map((c) => [c.name.toLowerCase(), c]));
  const columns: FieldDecl[] = [];
  const unknown: string[] = [];
  const seen = new Set<string>();
  for (const raw of names) {
    const name = raw.trim();
    const decl = byName.get(name.toLowerCase());
    if (!decl) unknown.push(name);
    else if (seen.has(decl.name)) throw new Error(`column ${decl.name} appears twice in the header`);
    else {
      seen.add(decl.name);
      columns.push(decl);
    }
  }
  if (unknown.length > 0) throw new Error(`unknown columns: ${unknown.join(', ')} (known: ${IMPORT_COLUMNS.map((c) => c.name).join(', ')})`);
  return { columns, hasClient: seen.has('Client') };
}

export type ReadRow = { ok: true; values: RowValues } | { ok: false; message: string };

/** Reads one record's cells by the header; the first unreadable cell refuses the row. */
export function readRow(header: Header, fields: readonly string[]): ReadRow {
  if (fields.length !== header.columns.length) {
    return { ok: false, message: `Число полей (${fields.length}) не совпадает с заголовком (${header.columns.length})` };
  }
  const values: Record<string, unknown> = {};
  try {
    header.columns.forEach((col, i) => {
      const value = readScalar(col.type as ScalarType, rawText(fields[i]!), col.name, col.format);
      if (value !== undefined) values[col.name] = value;
    });
  } catch (err) {
    if (err instanceof DecodeError) return { ok: false, message: `Некорректное значение: ${err.what}` };
    throw err;
  }
  return { ok: true, values: values as RowValues };
}
