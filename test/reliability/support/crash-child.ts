// Child process of "group commit killed before COMMIT" (crash.test.ts). On the store at
// argv[2] (migrated and seeded by the parent) it sends ClientUpdates through the app's
// entry point (clientUpdates: batched on PostgreSQL, group-committed transactions on SQLite):
//   batch A: one update per participant of argv[3] (JSON ids), Name "A-<id>"; each
//            acknowledgement printed as "ack A <id> <ErrorCode>"; then "A done".
//   batch B: the same with Name "B-<id>" and a consent, all submitted in one turn of the
//            event loop so that they form one batch. Any acknowledgement of it would be
//            printed as "ack B …" (stdout to a pipe is synchronous on Linux: nothing printed
//            before the kill is lost). The parent SIGKILLs the process while the batch's
//            transaction is open, before COMMIT:
//   - SQLite: a job queued behind the updates (same batch, same transaction) writes a
//     marker, reads back what the batch wrote so far, prints "inside {…}" and waits;
//   - PostgreSQL: the child waits for "go" on stdin before batch B; the parent has put a
//     deferred trigger on change_events that waits for an advisory lock it holds, so the
//     batch stops inside its commit, every statement done; the parent sees it in pg_locks.
import readline from 'node:readline';
import { sql } from 'kysely';
import { openStore } from '../../../src/store/db.ts';
import { clientUpdates } from '../../../src/domain/client-update-batch.ts';
import type { ClientUpdateOutcome } from '../../../src/domain/client-update.ts';
import type { CallContext } from '../../../src/domain/principal.ts';
import { CASHIER } from '../../helpers/fixtures.ts';

const [database, idsJson] = process.argv.slice(2);
if (!database || !idsJson) throw new Error('usage: crash-child.ts <database> <ids JSON>');
const ids = JSON.parse(idsJson) as number[];
const ctx: CallContext = { principal: CASHIER, requestId: 'crash-child', remoteAddress: '127.0.0.1' };
const say = (line: string) => process.stdout.write(`${line}\n`);
const code = (r: ClientUpdateOutcome) => ('ErrorCode' in r ? r.ErrorCode : 'forbidden');

const store = await openStore(database);
const updates = clientUpdates(store);

await Promise.all(ids.map((id) => updates.update(ctx, { Client: id, Name: `A-${id}` }).then((r) => say(`ack A ${id} ${code(r)}`))));
say(`A done ${JSON.stringify(store.groupCommit)}`);

if (store.engine === 'postgres') {
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) if (line === 'go') break;
}

// The SQLite blocker must join the transaction that carries batch B, whichever way the
// updates reach the group committer (a transaction per request or one per batch): it is
// queued right after the store.transact calls of B, in the microtask after the first one.
let blockerQueued = false;
const blocker = () =>
  store.transact(async (tx) => {
    await tx.insertInto('settings').values({ key: 'crash-child-marker', value: 'written inside the batch' }).execute();
    const rows = await tx.selectFrom('participants').select('name').where('id', 'in', ids).orderBy('id').execute();
    const history = await sql<{ n: number }>`select count(*) as n from change_history`.execute(tx);
    say(`inside ${JSON.stringify({ names: rows.map((r) => r.name), history: Number(history.rows[0]!.n) })}`);
    // Held here, inside the batch's transaction, until the parent's SIGKILL.
    await new Promise((r) => setTimeout(r, 60_000));
    say('ack B blocker (the kill did not come)');
  });
const pending: Promise<unknown>[] = [];
if (store.engine === 'sqlite') {
  const transact = store.transact.bind(store);
  (store as { transact: typeof store.transact }).transact = ((...args: Parameters<typeof transact>) => {
    const p = transact(...args);
    if (!blockerQueued) {
      blockerQueued = true;
      queueMicrotask(() => pending.push(blocker()));
    }
    return p;
  }) as typeof store.transact;
}

// Submitted in one turn of the event loop, so that they form one batch.
for (const id of ids) {
  pending.push(updates.update(ctx, { Client: id, Name: `B-${id}`, AllowSms: id % 2 === 0 }).then((r) => say(`ack B ${id} ${code(r)}`)));
}
say('B submitted');
const timer = setTimeout(() => {}, 60_000);
await new Promise((r) => setTimeout(r, 100)); // the blocker is queued by then
await Promise.allSettled(pending);
clearTimeout(timer);
say('ack B all settled (the kill did not come)');
