// Opens the store chosen by the database setting: a file path → SQLite (better-sqlite3),
// a postgres:// URL → PostgreSQL (pg). Both hand back the same Kysely<Database>.
import { sql } from 'kysely';
import type { CompiledQuery, Kysely } from 'kysely';
import { GroupCommitter } from './group-commit.ts';
import type { TxWork } from './group-commit.ts';
import { openPostgres } from './postgres.ts';
import type { PostgresOptions } from './postgres.ts';
import { openSqlite } from './sqlite.ts';
import type { SqliteOptions } from './sqlite.ts';
import { BatchStats } from '../lib/batch-queue.ts';
import type { Database } from './schema.ts';
import { isPostgresUrl } from '../config.ts';

export type Engine = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<Database>;
  readonly engine: Engine;
  /** The SQLite file, absent on PostgreSQL. */
  readonly file: string | undefined;
  /**
   * Runs write work in a transaction. On SQLite concurrent calls are group-committed (one
   * transaction and one fsync for many, each in its own savepoint); on PostgreSQL each call
   * is its own transaction on the pool. Resolves only after the commit. `weight`: how many
   * requests the work carries (group-commit counters), 1 by default.
   */
  transact<T>(work: TxWork<T>, weight?: number): Promise<T>;
  /** Group-commit counters: batches committed, requests in them, the largest batch. */
  readonly groupCommit: BatchStats;
  /**
   * SQLite serving stores: runs statements that need no answer in between as one transaction
   * in one round trip to the connection's thread (the ClientUpdate batch's write: commitBatch). Resolves after the commit.
   */
  readonly transactAtOnce?: (statements: readonly CompiledQuery[]) => Promise<void>;
  close(): Promise<void>;
}

export type OpenOptions = PostgresOptions & SqliteOptions;

export async function openStore(database: string, options: OpenOptions = {}): Promise<Store> {
  if (isPostgresUrl(database)) {
    const db = openPostgres(database, options);
    return {
      db,
      engine: 'postgres',
      file: undefined,
      transact: (work) => db.transaction().execute(work),
      groupCommit: new BatchStats(),
      close: () => db.destroy(),
    };
  }
  const { db, file, transactAtOnce, checkpointer } = await openSqlite(database, options);
  const committer = new GroupCommitter(db);
  return {
    db,
    engine: 'sqlite',
    file,
    transact: (work, weight) => committer.run(work, weight),
    groupCommit: committer.stats,
    transactAtOnce,
    close: async () => {
      await committer.idle();
      await db.destroy();
      // Last (see startCheckpointer): its connection, closing last, checkpoints what is left
      // in the WAL.
      await checkpointer?.stop();
    },
  };
}

/** True when the database answers a trivial query. */
export async function ping(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
