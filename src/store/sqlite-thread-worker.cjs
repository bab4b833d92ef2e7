// The SQLite connection of a serving process, in a worker thread (see sqlite-thread.ts).
// Plain CommonJS: a worker does not get the TypeScript loader of the main thread.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);

let conn;
try {
  conn = new Database(workerData.file);
  for (const pragma of workerData.pragmas) conn.pragma(pragma);
  parentPort.postMessage({ ready: true });
} catch (err) {
  parentPort.postMessage({ ready: false, error: describe(err) });
  process.exit(1);
}

// Kysely prepares every query anew; preparing costs about as much as running, so
// statements are kept by their SQL text (least recently used dropped past MAX).
const MAX = 500;
const cache = new Map();
function prepare(text) {
  let stmt = cache.get(text);
  if (stmt) cache.delete(text);
  else stmt = conn.prepare(text);
  cache.set(text, stmt);
  if (cache.size > MAX) cache.delete(cache.keys().next().value);
  return stmt;
}

function describe(err) {
  return { name: err && err.name, message: String((err && err.message) || err), code: err && err.code };
}

function run(q) {
  if (q.rollback) {
    // SQLite may have rolled back already (an error that ends the transaction).
    if (conn.inTransaction) conn.exec('rollback');
    return { id: q.id, changes: 0 };
  }
  // A transaction's BEGIN travels with its first statement: one round trip less.
  if (q.begin) conn.exec('begin immediate');
  const stmt = prepare(q.sql);
  if (stmt.reader) return { id: q.id, rows: stmt.all(q.params) };
  const { changes, lastInsertRowid } = stmt.run(q.params);
  return { id: q.id, changes, lastInsertRowid };
}

parentPort.on('message', (q) => {
  if (q === 'close') {
    // The last connection to close checkpoints what is left in the WAL.
    conn.close();
    parentPort.close();
    return;
  }
  let answer;
  try {
    answer = run(q);
  } catch (err) {
    answer = { id: q.id, error: describe(err) };
  }
  parentPort.postMessage(answer);
});
