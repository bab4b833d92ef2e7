// Statements whose SQL text does not vary with their input, for the ClientUpdate batch (sent
// hundreds of times a second): built once, not by kysely per call, so that SQLite's statement
// caches (the main thread's reader, the connection's thread) keep them prepared. A read's
// list travels as one parameter (SQLite: a JSON array read with json_each; PostgreSQL: an
// array); a write's rows are bound as values, with one text per row count (rowsStatements).
import { CompiledQuery } from 'kysely';
import type { Kysely } from 'kysely';
import type { Db } from './directory.ts';
import type { Database } from './schema.ts';
import { isPostgres } from './migrations/column-types.ts';

/** A read's text on each engine, the columns of its rows in order, and its parameters (readRows). */
export interface FixedRead {
  readonly sqlite: string;
  readonly postgres: string;
  readonly columns: readonly string[];
  /** Per list parameter, how many values each of its elements holds (1: a list of values; more: of tuples). */
  readonly widths: readonly number[];
}

/** Writes a read's conditions on lists, each call one list parameter (fixedRead). */
export interface ListConditions {
  /** "column is one of the list's values"; PostgreSQL reads the list as `pgType[]`. */
  list(column: string, pgType: string): string;
  /** "(columns) is one of the list's tuples", each tuple the values of `columns` ([column, pgType]) in order. */
  tuples(columns: readonly (readonly [column: string, pgType: string])[]): string;
}

/**
 * `select <columns> from <rest>`, its lists written in `rest` with ListConditions, one
 * parameter per call, in the order of the calls. Each call is its own condition, so that
 * both engines search an index by its columns (SQLite: `in (select value from json_each(?))`;
 * PostgreSQL: `= any($n::pgType[])`, tuples `in (select * from unnest($n::…[], …))`).
 *
 * On SQLite the rows come back as one JSON text, an array of arrays: better-sqlite3 builds
 * a row object a property at a time through V8's API (~0.3 µs each: a participant's row
 * cost ~6 µs), JSON.parse builds the same values several times faster.
 */
export function fixedRead(columns: readonly string[], rest: (where: ListConditions) => string): FixedRead {
  const widths: number[] = [];
  const sqlite = rest({
    list: (column) => `${column} in (select value from json_each(?))`,
    tuples: (cs) => `(${cs.map(([c]) => c).join(', ')}) in (select ${cs.map((_, i) => `value ->> ${i}`).join(', ')} from json_each(?))`,
  });
  let n = 0;
  const postgres = rest({
    list: (column, pgType) => {
      widths.push(1);
      return `${column} = any($${++n}::${pgType}[])`;
    },
    tuples: (cs) => {
      widths.push(cs.length);
      return `(${cs.map(([c]) => c).join(', ')}) in (select * from unnest(${cs.map(([, t]) => `$${++n}::${t}[]`).join(', ')}))`;
    },
  });
  return {
    sqlite: `select json_group_array(json_array(${columns.join(', ')})) as result from ${sqlite}`,
    postgres: `select ${columns.join(', ')} from ${postgres}`,
    columns,
    widths,
  };
}

type MainThreadRead = (text: string, parameters: readonly unknown[]) => unknown[];
const mainThreadReads = new WeakMap<object, MainThreadRead>();

/**
 * A serving SQLite store's reads outside transactions run at once on its main thread's
 * read-only connection (sqlite-thread.ts, WAL: it sees every commit), as its kysely driver
 * runs its SELECTs; readRows goes there without kysely. A transaction is another object: its
 * reads go through it, to the connection that holds its writes.
 */
export function readOnMainThread(db: Kysely<Database>, read: MainThreadRead): void {
  mainThreadReads.set(db, read);
}

/**
 * A fixed read's parameters from its lists (in the order of its ListConditions calls; a
 * tuples list holds arrays): on SQLite each list as one JSON text; on PostgreSQL each list as
 * an array, a list of tuples as one array per position (unnest puts them back together).
 */
export function readParameters(read: FixedRead, postgres: boolean, lists: readonly (readonly unknown[])[]): unknown[] {
  if (!postgres) return lists.map((l) => JSON.stringify(l));
  return lists.flatMap((l, i) => (read.widths[i] === 1 ? [l] : Array.from({ length: read.widths[i]! }, (_, c) => l.map((t) => (t as readonly unknown[])[c]))));
}

/** Runs a fixed read with its lists (readParameters): its rows, each the values of its columns in order. */
export async function readRows(db: Db, read: FixedRead, lists: readonly (readonly unknown[])[]): Promise<unknown[][]> {
  if (isPostgres(db)) {
    const { rows } = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(read.postgres, readParameters(read, true, lists)));
    return rows.map((row) => read.columns.map((c) => row[c]));
  }
  const parameters = readParameters(read, false, lists);
  const onMainThread = mainThreadReads.get(db);
  const rows = onMainThread ? onMainThread(read.sqlite, parameters) : (await db.executeQuery(CompiledQuery.raw(read.sqlite, parameters))).rows;
  return JSON.parse((rows[0] as { result: string }).result) as unknown[][];
}

/** Rows per statement of rowsStatements: more go in further statements. */
export const ROWS_PER_STATEMENT = 32;

/**
 * SQLite: a write of any number of rows as statements of fixed texts — one text per row count
 * up to ROWS_PER_STATEMENT (`text(n)`, built once each), so that the connection's statement
 * cache keeps them all prepared — each row's values bound as parameters (appended by `push`),
 * the rows in their order. Bound values cost SQLite a quarter of what reading the same rows
 * out of one JSON parameter does (json_each and ->> per column), measured on the batch's
 * history and event rows.
 */
export function rowsStatements<T>(text: (n: number) => string, push: (parameters: unknown[], row: T) => void): (rows: readonly T[]) => CompiledQuery[] {
  const texts: string[] = [];
  return (rows) => {
    const out: CompiledQuery[] = [];
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const n = Math.min(ROWS_PER_STATEMENT, rows.length - start);
      const parameters: unknown[] = [];
      for (let i = start; i < start + n; i++) push(parameters, rows[i]!);
      out.push(statement((texts[n] ??= text(n)), parameters));
    }
    return out;
  };
}

/** `tuple, tuple, …` n times: the rows of a multi-row VALUES, or a list of placeholders ('?'). */
export const repeated = (tuple: string, n: number): string => Array.from({ length: n }, () => tuple).join(', ');

/** A fixed statement with its parameters, as Store.transactAtOnce and kysely take it. */
export function statement(text: string, parameters: readonly unknown[]): CompiledQuery {
  return CompiledQuery.raw(text, parameters as unknown[]);
}
