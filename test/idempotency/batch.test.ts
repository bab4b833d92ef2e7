// Idempotency-Keys below the HTTP layer, on both engines: two requests with one key in one
// group-committed ClientUpdate batch act once; a key stored by another writer between a
// batch's read and its write refuses the batch, and the fresh read replays; the
// one-transaction path (ClientCreate, ClientUpdate one by one) settles concurrent
// duplicates through the key's primary key; the in-process wait gives up (→ 409).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { seededStore } from '../helpers/app.ts';
import { CASHIER } from '../helpers/fixtures.ts';
import { ctx } from '../history/support.ts';
import { applyBatch, clientUpdateQueue, updateClientInTransaction } from '../../src/participant/update/batch.ts';
import type { ClientUpdateQueue } from '../../src/participant/update/batch.ts';
import type { ClientUpdateRequest } from '../../src/participant/update/client-update.ts';
import { createClient } from '../../src/participant/create.ts';
import type { CallContext } from '../../src/lib/principal.ts';
import { commitBatch } from '../../src/participant/store/batch-write.ts';
import { claimFor } from '../../src/idempotency/key.ts';
import { KeyReused, isReplay } from '../../src/idempotency/replay.ts';
import { insertKeyRows, isKeyConflict, keyRow } from '../../src/idempotency/store.ts';
import { InFlightKeys, KeyInFlight } from '../../src/idempotency/in-flight.ts';

const DAY = 24 * 3_600_000;

/** A call context holding `key` for `request` of `operation`. */
const keyed = (operation: string, key: string, request: object): CallContext => ({ ...ctx(CASHIER), idempotency: claimFor(CASHIER, operation, key, request, DAY) });

for (const engine of ENGINES) {
  describe(`Idempotency-Keys in batches and transactions on ${engine}`, () => {
    let ts: TestStore;
    let updates: ClientUpdateQueue;
    before(async () => {
      ts = await seededStore(engine);
      updates = clientUpdateQueue(ts.store, ts.store.groupCommit);
    });
    after(async () => {
      await updates.idle();
      await ts.dispose();
    });

    const db = () => ts.store.db;
    const historyCount = async (id: number) => (await db().selectFrom('change_history').select('id').where('participant_id', '=', id).execute()).length;
    const keyRows = async (key: string) => db().selectFrom('idempotency_keys').selectAll().where('key', '=', key).execute();
    const update = (req: ClientUpdateRequest, key: string) => updates.update(keyed('ClientUpdate', key, req), req);

    it('two requests with one key in one batch act once; the second gets the first answer', async () => {
      const h = await historyCount(1);
      const batches = ts.store.groupCommit.batches;
      const req = { Client: 1, Surname: 'Дубль' };
      // Submitted in one turn of the event loop: one batch (no in-process wait below HTTP).
      const [a, b, other] = await Promise.all([update(req, 'batch-twice'), update({ ...req }, 'batch-twice'), update({ Client: 2, Surname: 'Сосед' }, 'batch-other')]);
      assert.equal(ts.store.groupCommit.batches - batches, 1, 'one batch');
      assert.deepEqual([a, b, other], [{ ErrorCode: 0, Message: '' }, { ErrorCode: 0, Message: '' }, { ErrorCode: 0, Message: '' }]);
      assert.equal(isReplay(a), false);
      assert.equal(isReplay(b), true, 'the second is a replay');
      assert.equal(await historyCount(1), h + 1, 'one change');
      assert.equal((await keyRows('batch-twice')).length, 1);
      assert.equal((await keyRows('batch-other')).length, 1);
    });

    it('two requests with one key and different bodies in one batch: the second is refused, the first acts', async () => {
      const h = await historyCount(1);
      const batches = ts.store.groupCommit.batches;
      const results = await Promise.allSettled([update({ Client: 1, Surname: 'Первый' }, 'batch-differ'), update({ Client: 1, Surname: 'Второй' }, 'batch-differ')]);
      assert.equal(ts.store.groupCommit.batches - batches, 1, 'one batch');
      assert.deepEqual(results[0], { status: 'fulfilled', value: { ErrorCode: 0, Message: '' } });
      assert.equal(results[1]!.status, 'rejected');
      assert.ok((results[1] as PromiseRejectedResult).reason instanceof KeyReused);
      assert.equal(await historyCount(1), h + 1);
      assert.equal((await db().selectFrom('participants').select('surname').where('id', '=', 1).executeTakeFirstOrThrow()).surname, 'Первый');
    });

    it('a key stored by another writer after the batch read refuses the whole batch; run again, it replays', async () => {
      const req = { Client: 2, Name: 'Гонка' };
      const job = { ctx: keyed('ClientUpdate', 'batch-race', req), req };
      const bystander = { ctx: ctx(CASHIER), req: { Client: 1, Patronymic: 'Свидетель' } };
      const h1 = await historyCount(1);
      const h2 = await historyCount(2);
      const write = commitBatch(ts.store);
      // The other writer (another process, in production) commits the key and its answer between this batch's read and write.
      const theirs = { ErrorCode: 0, Message: '' };
      const racing: typeof write = async (...args) => {
        await ts.store.transact((tx) => insertKeyRows(tx, [keyRow(job.ctx.idempotency!, theirs, new Date().toISOString())]));
        return write(...args);
      };
      await assert.rejects(applyBatch(db(), [job, bystander], racing), (err: unknown) => isKeyConflict(err));
      assert.equal(await historyCount(2), h2, 'nothing of the refused batch was written');
      assert.equal(await historyCount(1), h1);
      const again = await applyBatch(db(), [job, bystander], write);
      assert.ok(again[0]!.ok && isReplay(again[0]!.value), 'the fresh read replays the stored answer');
      assert.deepEqual(again.map((r) => r.ok && r.value), [theirs, { ErrorCode: 0, Message: '' }]);
      assert.equal(await historyCount(2), h2, 'the keyed request never acted');
      assert.equal(await historyCount(1), h1 + 1, 'the others of the batch did');
    });

    it('the one-transaction path: concurrent duplicates of ClientCreate and of ClientUpdate one by one act once', async () => {
      const create = { Phone: 79167770001, Name: 'Один' };
      const c = keyed('ClientCreate', 'tx-create', create);
      const created = await Promise.all(Array.from({ length: 6 }, () => createClient(ts.store, c, create)));
      assert.equal(new Set(created.map((r) => JSON.stringify(r))).size, 1, JSON.stringify(created));
      assert.equal((created[0] as { ErrorCode: number }).ErrorCode, 0);
      assert.equal(created.filter((r) => isReplay(r)).length, 5);
      assert.equal((await db().selectFrom('participants').select('id').where('phone', '=', create.Phone).execute()).length, 1);

      const req = { Client: 2, Surname: 'ПоОдному' };
      const u = keyed('ClientUpdate', 'tx-update', req);
      const h = await historyCount(2);
      const answers = await Promise.all(Array.from({ length: 6 }, () => updateClientInTransaction(ts.store, u, req)));
      assert.deepEqual(answers, Array(6).fill({ ErrorCode: 0, Message: '' }));
      assert.equal(await historyCount(2), h + 1);
      // The same key with another request, one by one: refused.
      const differs = { Client: 2, Surname: 'Иначе' };
      await assert.rejects(updateClientInTransaction(ts.store, keyed('ClientUpdate', 'tx-update', differs), differs), KeyReused);
    });

    it("two registrations racing for one phone: the keyed one's answer, 0 or 7, is stored and replayed", async () => {
      const phone = 79167770002;
      const first = { Phone: phone, Name: 'Раньше' };
      const second = { Phone: phone, Name: 'Позже' };
      const c = keyed('ClientCreate', 'tx-late', second);
      // Which wins depends on the engine and timing; an answer decided after a unique violation
      // rolled the transaction back (recover) is stored in a transaction of its own.
      const [a, b] = await Promise.all([createClient(ts.store, ctx(CASHIER), first), createClient(ts.store, c, second)]);
      const codes = [a, b].map((r) => (r as { ErrorCode: number }).ErrorCode).sort();
      assert.deepEqual(codes, [0, 7]);
      const [row] = await keyRows('tx-late');
      assert.ok(row, 'the keyed answer is stored');
      assert.deepEqual(JSON.parse(row.response), b);
      const again = await createClient(ts.store, c, second);
      assert.deepEqual(again, b);
      assert.ok(isReplay(again));
    });
  });
}

describe('in-process waits for a key in flight', () => {
  it('a second request waits for the first, and gives up (409) when the wait outlasts its bound', async () => {
    const keys = new InFlightKeys();
    const order: string[] = [];
    let release!: () => void;
    const first = keys.run('k', 0, () => new Promise<void>((r) => (release = r)).then(() => order.push('first')));
    const second = keys.run('k', 0, async () => order.push('second'));
    const other = await keys.run('other', 0, async () => 'not held up by another key');
    assert.equal(other, 'not held up by another key');
    await assert.rejects(keys.run('k', 20, async () => order.push('third')), KeyInFlight);
    release();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first', 'second'], 'the second ran after the first; the third never ran');
    assert.equal(keys.size, 0);
  });
});
