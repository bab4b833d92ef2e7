// Statements that PostgreSQL keeps parsed and planned on each connection (named prepared
// statements). Kysely sends every query unnamed, so PostgreSQL parses and plans it anew
// each time; the ClientUpdate batch write is one long statement sent hundreds of times a
// second, and naming it made D of the benchmark ~12% faster (docs/performance.md). Only
// statements that return no rows should be registered: a prepared statement whose result
// columns change under it (a migration adding a column to a `select *`) fails with "cached
// plan must not change result type", while other schema changes are simply replanned.
// A statement's name is derived from its text, so that one name always means one text, also
// on a server connection that a pooler passed from another process (or release) to this one.
// How they are sent, and what happens when a connection does not keep them: pg-statements.ts.
import { createHash } from 'node:crypto';

/** More would mean statement texts that vary: a bug, and a leak on every connection. */
const MAX_NAMED = 32;
const names = new Map<string, string>();

/** From now on, `text` is sent as a named statement on PostgreSQL when it runs on its own. */
export function prepareOnPostgres(text: string): void {
  if (!names.has(text) && names.size < MAX_NAMED) names.set(text, `lcm_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`);
}

/** The name of a registered statement text, undefined for any other. */
export function preparedName(text: string): string | undefined {
  return names.get(text);
}
