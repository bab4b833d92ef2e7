// WAL checkpoints of a serving SQLite database, moved off the event loop. By default SQLite
// checkpoints inside a commit once the WAL passes 1,000 pages: that commit then also copies
// the pages into the database file and fsyncs it, while better-sqlite3 blocks the event
// loop. Here the serving connection never checkpoints; a worker thread with a connection of
// its own runs a PASSIVE checkpoint (it never waits for, nor blocks, readers and writers)
// every CHECKPOINT_EVERY_MS. Durability is unchanged: every commit still fsyncs the WAL.
// Under a load that never pauses, these checkpoints cannot start the WAL over: the SQLite
// thread finishes one itself when the WAL file passes its bound (boundWal in sqlite-thread.ts).
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

const CHECKPOINT_EVERY_MS = 200;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const conn = new Database(workerData.file);
const timer = setInterval(() => {
  try { conn.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next round retries */ }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  conn.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Starts checkpointing `file` in a worker thread. The serving connection must not
 * checkpoint itself (wal_autocheckpoint = 0); `fallBack` turns that back on, and is called
 * should the thread ever fail: the WAL must not grow without bound.
 */
export function startCheckpointer(file: string, fallBack: () => void): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { driver, file, everyMs: CHECKPOINT_EVERY_MS },
    // It only runs a pragma: a small heap keeps the serving process's footprint down.
    resourceLimits: { maxOldGenerationSizeMb: 8, maxYoungGenerationSizeMb: 1 },
  });
  worker.unref();
  let stopping = false;
  const failed = () => {
    if (!stopping) fallBack();
  };
  worker.on('error', failed);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  void exited.then(failed);
  return {
    stop: async () => {
      stopping = true;
      // Unreferenced while serving (it must not keep a process alive); waited for now.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
