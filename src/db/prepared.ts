// Statements that PostgreSQL keeps parsed and planned on each connection (named prepared
// statements). Kysely sends every query unnamed, so PostgreSQL parses and plans it anew
// each time; the ClientUpdate batch write is one long statement sent hundreds of times a
// second, and naming it made D of the benchmark ~12% faster (docs/performance.md). Only
// statements that return no rows should be registered: a prepared statement whose result
// columns change under it (a migration adding a column to a `select *`) fails with "cached
// plan must not change result type", while other schema changes are simply replanned.
import type pg from 'pg';

/** More would mean statement texts that vary: a bug, and a leak on every connection. */
const MAX_NAMED = 32;
const names = new Map<string, string>();

/** From now on, `text` is sent as a named statement on PostgreSQL. */
export function prepareOnPostgres(text: string): void {
  if (!names.has(text) && names.size < MAX_NAMED) names.set(text, `lcm_prepared_${names.size + 1}`);
}

type Query = (...args: unknown[]) => unknown;

/** Makes `client` send registered statement texts as named statements (pg prepares each once per connection). */
export function namePreparedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as Query;
  (client as unknown as { query: Query }).query = (text: unknown, values?: unknown, callback?: unknown) => {
    const name = typeof text === 'string' && callback === undefined ? names.get(text) : undefined;
    return name ? query({ name, text, values }) : query(text, values, callback);
  };
}
