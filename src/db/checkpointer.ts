// WAL checkpoints of a serving SQLite database, moved off the event loop. By default SQLite
// checkpoints inside a commit once the WAL passes 1,000 pages: that commit then also copies
// the pages into the database file and fsyncs it, while better-sqlite3 blocks the event
// loop. Here the serving connection never checkpoints; a worker thread with a connection of
// its own runs a PASSIVE checkpoint (it never waits for, nor blocks, readers and writers)
// every CHECKPOINT_EVERY_MS. Durability is unchanged: every commit still fsyncs the WAL.
// Under a load that never pauses, these checkpoints cannot start the WAL over: the SQLite
// thread does it when the WAL passes its bound (boundWal in sqlite-thread.ts), and this
// thread prepares it (prepareRestart).
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type { WalBound } from './sqlite-thread.ts';

const CHECKPOINT_EVERY_MS = 200;

const WORKER = `
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const conn = new Database(workerData.file);
const wal = workerData.wal;
const walFile = workerData.file + '-wal';
// Only to fsync it. Closed after conn: closing any descriptor of a file drops the process's
// POSIX locks on it, SQLite's included.
const dbFd = wal ? fs.openSync(workerData.file, 'r') : undefined;

// A PASSIVE checkpoint that the SQLite thread commits into does not fsync the database file
// (only one that reaches the WAL's end does), so under load the pages it wrote pile up
// unsynced, and the checkpoint that starts the WAL over would wait for all of them on the
// SQLite thread. Once the WAL is past its bound, this thread syncs them instead, twice (the
// second sync holds only what came in during the first), checkpoints once more, and tells
// the SQLite thread: its checkpoint then has a few ms of frames left to copy and sync.
function prepareRestart() {
  if (Atomics.load(wal.synced, 0) === 1 || fs.statSync(walFile).size <= wal.limitBytes) return;
  fs.fdatasyncSync(dbFd);
  conn.pragma('wal_checkpoint(PASSIVE)');
  fs.fdatasyncSync(dbFd);
  conn.pragma('wal_checkpoint(PASSIVE)');
  Atomics.store(wal.synced, 0, 1);
}

const timer = setInterval(() => {
  try {
    conn.pragma('wal_checkpoint(PASSIVE)');
    if (wal) prepareRestart();
  } catch {
    // Busy, closing, or no WAL file yet: the next round retries.
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  conn.close();
  if (dbFd !== undefined) fs.closeSync(dbFd);
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Starts checkpointing `file` in a worker thread. The serving connection must not
 * checkpoint itself (wal_autocheckpoint = 0); `fallBack` turns that back on, and is called
 * should the thread ever fail: the WAL must not grow without bound. `wal`: the SQLite
 * thread's bound, which this thread prepares the restarts of. Stop it after the database's
 * other connections have closed (see dbFd above).
 */
export function startCheckpointer(file: string, fallBack: () => void, wal?: WalBound): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { driver, file, everyMs: CHECKPOINT_EVERY_MS, wal },
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
