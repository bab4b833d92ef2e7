// A second process writing the same SQLite file: increments participant 1's version N
// times, each a read-then-write transaction. Prints "done" when all committed.
import { openStore } from '../../../src/db/store.ts';
import { findParticipant } from '../../../src/participant/store/participants.ts';

const [file, times] = process.argv.slice(2);
const store = await openStore(file!);
for (let i = 0; i < Number(times); i++) {
  await store.transact(async (tx) => {
    const p = (await findParticipant(tx, 1))!;
    await tx.updateTable('participants').set({ version: p.version + 1 }).where('id', '=', 1).execute();
  });
}
await store.close();
process.stdout.write('done\n');
