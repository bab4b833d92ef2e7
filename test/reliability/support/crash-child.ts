// Child process of "group commit killed before COMMIT" (crash.test.ts). On the store at
// argv[2] (migrated and seeded by the parent), opened as a serving process opens it, it
// sends ClientUpdates through the app's entry point (clientUpdateQueue):
//   batch A: one update per participant of argv[3] (JSON ids), Name "A-<id>"; each
//            acknowledgement printed as "ack A <id> <ErrorCode>"; then "A done".
//   batch B: the same with Name "B-<id>" and a consent, all submitted in one turn of the
//            event loop so that they form one batch. Any acknowledgement of it would be
//            printed as "ack B …" (stdout to a pipe is synchronous on Linux: nothing printed
//            before the kill is lost). The parent SIGKILLs the process while the batch's
//            transaction is open, before COMMIT:
//   - SQLite: the batch's write (its statements, sent to the store's thread at once by
//     transactAtOnce) runs instead in a transaction that, after every one of them, writes
//     a marker, reads back what the batch wrote, prints "inside {…}" and waits;
//   - PostgreSQL: the child waits for "go" on stdin before batch B; the parent has put a
//     deferred trigger on change_events that waits for an advisory lock it holds, so the
//     batch stops inside its commit, every statement done; the parent sees it in pg_locks.
import readline from 'node:readline';
import { sql } from 'kysely';
import { openStore } from '../../../src/db/store.ts';
import { clientUpdateQueue } from '../../../src/participant/update/batch.ts';
import type { ClientUpdateOutcome } from '../../../src/participant/update/client-update.ts';
import type { CallContext } from '../../../src/lib/principal.ts';
import { CASHIER } from '../../helpers/fixtures.ts';

const [database, idsJson] = process.argv.slice(2);
if (!database || !idsJson) throw new Error('usage: crash-child.ts <database> <ids JSON>');
const ids = JSON.parse(idsJson) as number[];
const ctx: CallContext = { principal: CASHIER, requestId: 'crash-child', remoteAddress: '127.0.0.1' };
const say = (line: string) => process.stdout.write(`${line}\n`);
const code = (r: ClientUpdateOutcome) => ('ErrorCode' in r ? r.ErrorCode : 'forbidden');

const store = await openStore(database, { serving: true });
const updates = clientUpdateQueue(store, store.groupCommit);

await Promise.all(ids.map((id) => updates.update(ctx, { Client: id, Name: `A-${id}` }).then((r) => say(`ack A ${id} ${code(r)}`))));
say(`A done ${JSON.stringify(store.groupCommit)}`);

if (store.engine === 'postgres') {
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) if (line === 'go') break;
}

const pending: Promise<unknown>[] = [];
if (store.engine === 'sqlite') {
  // From now on a batch's statements run in a transaction that stops before its COMMIT.
  (store as { transactAtOnce: typeof store.transactAtOnce }).transactAtOnce = (statements) =>
    store.transact(async (tx) => {
      for (const statement of statements) await tx.executeQuery(statement);
      await tx.insertInto('settings').values({ key: 'crash-child-marker', value: 'written inside the batch' }).execute();
      const rows = await tx.selectFrom('participants').select('name').where('id', 'in', ids).orderBy('id').execute();
      const history = await sql<{ n: number }>`select count(*) as n from change_history`.execute(tx);
      say(`inside ${JSON.stringify({ names: rows.map((r) => r.name), history: Number(history.rows[0]!.n) })}`);
      // Held here, inside the batch's transaction, until the parent's SIGKILL.
      await new Promise((r) => setTimeout(r, 60_000));
      say('ack B blocker (the kill did not come)');
    });
}

// Submitted in one turn of the event loop, so that they form one batch.
for (const id of ids) {
  pending.push(updates.update(ctx, { Client: id, Name: `B-${id}`, AllowSms: id % 2 === 0 }).then((r) => say(`ack B ${id} ${code(r)}`)));
}
say('B submitted');
const timer = setTimeout(() => {}, 60_000);
await Promise.allSettled(pending);
clearTimeout(timer);
say('ack B all settled (the kill did not come)');
