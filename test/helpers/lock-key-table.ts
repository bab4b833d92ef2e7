// Holding the idempotency_keys table from another connection, so that a request with an
// Idempotency-Key waits on the database (its 503, and a 409 for the one queued behind it).
import SQLite from 'better-sqlite3';
import pg from 'pg';

/** Locks idempotency_keys from another connection until the returned function is called (idempotent). */
export async function lockKeyTable(engine: string, url: string): Promise<() => Promise<void>> {
  let released = false;
  if (engine === 'sqlite') {
    const conn = new SQLite(url);
    conn.exec('begin immediate');
    return async () => {
      if (released) return;
      released = true;
      conn.exec('rollback');
      conn.close();
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query('lock table idempotency_keys in access exclusive mode');
  return async () => {
    if (released) return;
    released = true;
    await client.query('rollback');
    await client.end();
  };
}
