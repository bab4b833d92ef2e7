// Column types that the two engines spell differently, chosen from the Kysely adapter so
// that one migration file serves both.
import { PostgresAdapter } from 'kysely';
import type { Kysely } from 'kysely';

export interface ColumnTypes {
  autoId: 'integer' | 'serial';
  date: 'text' | 'date';
  timestamp: 'text' | 'timestamptz';
}

/** Whether `db` (a migration's, or the store's and its transactions') talks to PostgreSQL. */
export function isPostgres(db: Pick<Kysely<unknown>, 'getExecutor'>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export function columnTypes(db: Kysely<unknown>): ColumnTypes {
  return isPostgres(db)
    ? { autoId: 'serial', date: 'date', timestamp: 'timestamptz' }
    : { autoId: 'integer', date: 'text', timestamp: 'text' };
}
