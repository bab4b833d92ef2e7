// Statements whose SQL text never varies with their input, for the ClientUpdate batch (sent
// hundreds of times a second): a list travels as one parameter — on SQLite a JSON array read
// with json_each, on PostgreSQL an array — instead of one placeholder per value. So the text
// is built once at load, not by kysely per call, and SQLite's statement caches (the main
// thread's reader, the connection's thread) keep it prepared.
import { CompiledQuery, PostgresAdapter } from 'kysely';
import type { Kysely } from 'kysely';
import type { Db } from './directory.ts';
import type { Database } from './schema.ts';


/** A read's text on each engine, and the columns of its rows, in order (readRows). */
export interface FixedRead {
  readonly sqlite: string;
  readonly postgres: string;
  readonly columns: readonly string[];
}

/**
 * `select <columns> from <rest>`, its lists written in `rest` with `list(column, pgType)`:
 * "column is one of the list's values", one parameter per call, in the order of the calls.
 * Each call is its own condition on its column, so that both engines search an index by it
 * (SQLite: `in (select value from json_each(?))`; PostgreSQL: `= any($n::pgType[])`).
 *
 * On SQLite the rows come back as one JSON text, an array of arrays: better-sqlite3 builds
 * a row object a property at a time through V8's API (~0.3 µs each: a participant's row
 * cost ~6 µs), JSON.parse builds the same values several times faster.
 */
export function fixedRead(columns: readonly string[], rest: (list: (column: string, pgType: string) => string) => string): FixedRead {
  let n = 0;
  return {
    sqlite: `select json_group_array(json_array(${columns.join(', ')})) as result from ${rest((column) => `${column} in (select value from json_each(?))`)}`,
    postgres: `select ${columns.join(', ')} from ${rest((column, pgType) => `${column} = any($${++n}::${pgType}[])`)}`,
    columns,
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

export function isPostgres(db: Db): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** Runs a fixed read with its lists (in the order of its `list` calls): its rows, each the values of its columns in order. */
export async function readRows(db: Db, read: FixedRead, lists: readonly (readonly unknown[])[]): Promise<unknown[][]> {
  if (isPostgres(db)) {
    const { rows } = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(read.postgres, [...lists]));
    return rows.map((row) => read.columns.map((c) => row[c]));
  }
  const parameters = lists.map((l) => JSON.stringify(l));
  const onMainThread = mainThreadReads.get(db);
  const rows = onMainThread ? onMainThread(read.sqlite, parameters) : (await db.executeQuery(CompiledQuery.raw(read.sqlite, parameters))).rows;
  return JSON.parse((rows[0] as { result: string }).result) as unknown[][];
}

/**
 * SQLite: `insert into <table> (<columns>) select … from json_each(?)`, the rows as one JSON
 * array parameter (jsonRows), each column read from its row by `paths[column]` (a member
 * name, or a JSON path such as '$.row.x'), inserted in the array's order.
 */
export function jsonInsert(table: string, paths: Readonly<Record<string, string>>): string {
  const columns = Object.keys(paths);
  return `insert into ${table} (${columns.join(', ')}) select ${columns.map((c) => `value ->> '${paths[c]}'`).join(', ')} from json_each(?) order by key`;
}

/**
 * SQLite: `insert into <table> (<columns>, <jsonColumn>) select … from json_each(?)`, the rows
 * as one parameter written by jsonRows: each row an array of its columns' values, then the
 * JSON text that `jsonColumn` holds, inserted as it is (SQLite gives back an element's JSON
 * text as it was written).
 */
export function jsonArrayInsert(table: string, columns: readonly string[], jsonColumn: string): string {
  const values = columns.map((_, i) => `value ->> ${i}`).join(', ');
  return `insert into ${table} (${[...columns, jsonColumn].join(', ')}) select ${values}, value -> ${columns.length} from json_each(?) order by key`;
}

/**
 * The parameter of a jsonArrayInsert: per row `[...values(row), <json(row)>]`, the JSON text of
 * json(row) (an array or an object) written into it as it is, not as a string: a column that
 * holds JSON (history fields, event payloads) is then not escaped a second time.
 */
export function jsonRows<T>(rows: readonly T[], values: (row: T) => unknown[], json: (row: T) => string): string {
  let out = '[';
  for (const row of rows) {
    const head = JSON.stringify(values(row));
    out += `${out.length > 1 ? ',' : ''}${head.slice(0, -1)},${json(row)}]`;
  }
  return `${out}]`;
}

/** A fixed statement with its parameters, as Store.transactAtOnce and kysely take it. */
export function statement(text: string, parameters: readonly unknown[]): CompiledQuery {
  return CompiledQuery.raw(text, parameters as unknown[]);
}
