// Statements built by the ordinary repository functions but not run: a Kysely whose
// connection keeps each compiled query and answers it with nothing. For work whose
// statements need no answer from one another (no RETURNING used, no read), so that they can
// be sent to the database together (Store.transactAtOnce).
import { Kysely } from 'kysely';
import type { CompiledQuery, DatabaseConnection, Driver, QueryResult } from 'kysely';
import type { Database } from './schema.ts';
import { sqliteDialect } from './sqlite-dialect.ts';

class RecordingConnection implements DatabaseConnection {
  readonly statements: CompiledQuery[] = [];
  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    this.statements.push(compiled);
    return { rows: [] };
  }
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('a recorded statement has no rows to stream');
  }
}

class RecordingDriver implements Driver {
  constructor(private readonly connection: RecordingConnection) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }
  async releaseConnection(): Promise<void> {}
  async beginTransaction(): Promise<void> {
    throw new Error('recorded statements run in the transaction of whoever sends them');
  }
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async destroy(): Promise<void> {}
}

/** The SQLite statements `work` issues, in order, without running them. */
export async function recordStatements(work: (db: Kysely<Database>) => Promise<void>): Promise<CompiledQuery[]> {
  const connection = new RecordingConnection();
  await work(new Kysely<Database>({ dialect: sqliteDialect(new RecordingDriver(connection)) }));
  return connection.statements;
}
