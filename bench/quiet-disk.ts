// Before each scenario: what earlier work left to write goes to disk first. Copying F's
// database leaves ~500 MB of dirty pages, and E leaves PostgreSQL's shared buffers dirty;
// written back during the next scenario, they would queue ahead of its fsyncs.
import { spawnSync } from 'node:child_process';
import pg from 'pg';

/** PostgreSQL's CHECKPOINT (when the admin URL may run it), then the kernel's `sync`. */
export async function quietDisk(pgAdminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('checkpoint');
  } catch {
    // No PostgreSQL here (a SQLite-only run), or a role without the right: the sync still runs.
  } finally {
    await client.end().catch(() => {});
  }
  spawnSync('sync');
}
