// What the benchmark reads back from a database: how many changes it holds (to prove that the
// acknowledged requests were written), and the durability settings in force.
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { sql } from 'kysely';
import { openStore } from '../src/db/store.ts';

/** History rows, and the sum of participants' versions (each applied change adds one). */
export interface Counts {
  history: number;
  versions: number;
}

const COUNTS = 'select (select count(*) from change_history) as history, (select coalesce(sum(version), 0) from participants) as versions';

export async function counts(database: string): Promise<Counts> {
  if (/^postgres(ql)?:/i.test(database)) {
    const c = new pg.Client({ connectionString: database });
    await c.connect();
    try {
      const row = (await c.query<{ history: string; versions: string }>(COUNTS)).rows[0]!;
      return { history: Number(row.history), versions: Number(row.versions) };
    } finally {
      await c.end();
    }
  }
  const db = new SQLite(database, { readonly: true });
  try {
    return db.prepare(COUNTS).get() as Counts;
  } finally {
    db.close();
  }
}

/** Counts once they stop moving: requests still in flight when the load stopped may yet commit. */
export async function settledCounts(database: string, timeoutMs = 15_000): Promise<Counts> {
  const deadline = Date.now() + timeoutMs;
  let last = await counts(database);
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const now = await counts(database);
    if ((now.history === last.history && now.versions === last.versions) || Date.now() > deadline) return now;
    last = now;
  }
}

/**
 * SQLite: journal_mode is kept in the file; synchronous belongs to a connection, so it is read
 * from a connection opened the way a serving process opens it (openStore, serving: the
 * connection in its worker thread). PostgreSQL: SHOW on the database.
 */
export async function durability(database: string): Promise<Record<string, string>> {
  if (/^postgres(ql)?:/i.test(database)) {
    const c = new pg.Client({ connectionString: database });
    await c.connect();
    try {
      const out: Record<string, string> = {};
      for (const name of ['synchronous_commit', 'fsync', 'wal_sync_method', 'commit_delay']) {
        out[name] = (await c.query<Record<string, string>>(`show ${name}`)).rows[0]![name]!;
      }
      return out;
    } finally {
      await c.end();
    }
  }
  const plain = new SQLite(database, { readonly: true });
  const journalMode = String(plain.pragma('journal_mode', { simple: true }));
  plain.close();
  const store = await openStore(database, { serving: true });
  try {
    const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(store.db);
    const level = rows[0]?.synchronous;
    const names = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];
    return { journal_mode: journalMode, synchronous: `${level} (${names[level ?? -1] ?? '?'})` };
  } finally {
    await store.close();
  }
}
