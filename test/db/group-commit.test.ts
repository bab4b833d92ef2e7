// Group commit on SQLite: many writes share one transaction, a failing one rolls back only
// itself, a failed commit acknowledges nobody, and the rules still see earlier writes of
// the same batch.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestStore } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { FIXTURES, CASHIER } from '../helpers/fixtures.ts';
import { seed } from '../../src/seed/fixtures.ts';
import { findParticipant } from '../../src/participant/store/participants.ts';
import { updateClientInTransaction } from '../../src/participant/update/batch.ts';
import type { CallContext } from '../../src/lib/principal.ts';

const ctx: CallContext = { principal: CASHIER, requestId: 'test', remoteAddress: '127.0.0.1' };

describe('group commit on sqlite', () => {
  let ts: TestStore;
  before(async () => {
    ts = await createTestStore('sqlite');
    await seed(ts.store.db, 'sqlite', FIXTURES);
  });
  after(async () => ts.dispose());

  it('commits concurrent writes in shared transactions', async () => {
    const stats = ts.store.groupCommit;
    const batchesBefore = stats.batches;
    const n = 50;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        ts.store.transact(async (tx) => {
          await tx.updateTable('participants').set({ name: `n${i}` }).where('id', '=', 1).execute();
          return i;
        }),
      ),
    );
    assert.deepEqual(results, Array.from({ length: n }, (_, i) => i));
    assert.ok(stats.batches - batchesBefore < n, `fewer transactions (${stats.batches - batchesBefore}) than writes (${n})`);
    assert.ok(stats.largestBatch > 1);
    assert.equal((await findParticipant(ts.store.db, 1))!.name, `n${n - 1}`, 'applied in arrival order');
  });

  it('a failing write in a batch rolls back only itself', async () => {
    const outcomes = await Promise.allSettled([
      ts.store.transact((tx) => tx.updateTable('participants').set({ surname: 'A' }).where('id', '=', 1).execute()),
      ts.store.transact(async (tx) => {
        await tx.updateTable('participants').set({ surname: 'B' }).where('id', '=', 2).execute();
        throw new Error('boom');
      }),
      ts.store.transact((tx) => tx.updateTable('participants').set({ patronymic: 'C' }).where('id', '=', 2).execute()),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['fulfilled', 'rejected', 'fulfilled']);
    assert.equal((await findParticipant(ts.store.db, 1))!.surname, 'A');
    const p2 = (await findParticipant(ts.store.db, 2))!;
    assert.equal(p2.surname, 'Иванова', 'the failed write left nothing behind');
    assert.equal(p2.patronymic, 'C');
  });

  it('when the commit fails nobody in the batch is acknowledged and nothing is stored', async () => {
    const outcomes = await Promise.allSettled([
      ts.store.transact((tx) => tx.updateTable('participants').set({ name: 'lost' }).where('id', '=', 1).execute()),
      ts.store.transact(async (tx) => {
        // A deferred foreign-key violation makes COMMIT itself fail.
        await sql`pragma defer_foreign_keys = on`.execute(tx);
        await tx.insertInto('cards').values({ number: 1234567890123, operator_id: 1, participant_id: 99999, status: 0 }).execute();
      }),
    ]);
    assert.deepEqual(outcomes.map((o) => o.status), ['rejected', 'rejected']);
    assert.notEqual((await findParticipant(ts.store.db, 1))!.name, 'lost');
    // The committer keeps working afterwards.
    await ts.store.transact((tx) => tx.updateTable('participants').set({ name: 'after' }).where('id', '=', 1).execute());
    assert.equal((await findParticipant(ts.store.db, 1))!.name, 'after');
  });

  it('two requests of one batch claiming one phone: exactly one wins', async () => {
    for (let round = 0; round < 5; round++) {
      const phone = 79168880000 + round;
      const [a, b] = await Promise.all([
        updateClientInTransaction(ts.store, ctx, { Client: 1, Phone: phone }),
        updateClientInTransaction(ts.store, ctx, { Client: 2, Phone: phone }),
      ]);
      assert.deepEqual([a, b], [{ ErrorCode: 0, Message: '' }, { ErrorCode: 7, Message: 'Номер телефона уже привязан к другому клиенту' }]);
    }
  });
});
