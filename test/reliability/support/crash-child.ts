// Child process of "group commit killed before COMMIT" (crash.test.ts). On the store at
// argv[2] (migrated and seeded by the parent) it runs:
//   batch A: one ClientUpdate per participant of argv[3] (JSON ids), Name "A-<id>";
//            each acknowledgement printed as "ack A <id> <ErrorCode>";
//   batch B: the same with Name "B-<id>" and a consent, then a job that writes a marker,
//            reads back from inside the still-open transaction what the batch wrote, prints
//            "inside {…}" and waits — the parent SIGKILLs the process there, before COMMIT.
//            Two more updates queued behind it. Any acknowledgement of batch B would be
//            printed as "ack B …" (stdout to a pipe is synchronous on Linux: nothing printed
//            is lost by the kill).
import { sql } from 'kysely';
import { openStore } from '../../../src/store/db.ts';
import { updateClient } from '../../../src/domain/client-update.ts';
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

await Promise.all(ids.map((id) => updateClient(store, ctx, { Client: id, Name: `A-${id}` }).then((r) => say(`ack A ${id} ${code(r)}`))));
say(`batch A committed: ${JSON.stringify(store.groupCommit)}`);
await new Promise((r) => setTimeout(r, 50));

// Everything below is queued in one turn of the event loop, so it forms one batch.
const pending: Promise<unknown>[] = ids.map((id) =>
  updateClient(store, ctx, { Client: id, Name: `B-${id}`, AllowSms: id % 2 === 0 }).then((r) => say(`ack B ${id} ${code(r)}`)),
);
pending.push(
  store.transact(async (tx) => {
    await tx.insertInto('settings').values({ key: 'crash-child-marker', value: 'written inside the batch' }).execute();
    const rows = await tx.selectFrom('participants').select('name').where('id', 'in', ids).orderBy('id').execute();
    const history = await sql<{ n: number }>`select count(*) as n from change_history`.execute(tx);
    say(`inside ${JSON.stringify({ names: rows.map((r) => r.name), history: Number(history.rows[0]!.n) })}`);
    // Held here, inside the batch's transaction, until the parent's SIGKILL.
    await new Promise((r) => setTimeout(r, 60_000));
    say('ack B blocker (the kill did not come)');
  }),
);
for (const id of ids.slice(0, 2)) {
  pending.push(updateClient(store, ctx, { Client: id, Surname: `B-late-${id}` }).then((r) => say(`ack B late ${id} ${code(r)}`)));
}
await Promise.allSettled(pending);
say('ack B all settled (the kill did not come)');
