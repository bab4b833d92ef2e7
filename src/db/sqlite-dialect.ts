// Kysely's SQLite dialect over a driver of ours: the store's thread driver (sqlite-thread.ts)
// compiles exactly as kysely's own SQLite dialect does.
import { SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import type { Dialect, Driver } from 'kysely';

export function sqliteDialect(driver: Driver): Dialect {
  return {
    createDriver: () => driver,
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createAdapter: () => new SqliteAdapter(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
}
