// Change events reach the operators' webhooks: signed, in order per participant, again
// after the receiver was down or the server restarted, never twice once acknowledged.
import { describe, it, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { updateClientInTransaction } from '../../src/participant/update/batch.ts';
import { addWebhook, removeWebhook } from '../../src/webhooks/store/webhooks.ts';
import { listEvents } from '../../src/webhooks/store/deliveries.ts';
import { startDispatcher, retryDelay } from '../../src/webhooks/dispatcher.ts';
import type { Dispatcher, DispatcherOptions } from '../../src/webhooks/dispatcher.ts';
import { verifySignature } from '../../src/webhooks/signature.ts';
import { startServer } from '../../src/http/server.ts';
import { loadConfig } from '../../src/config.ts';
import { ctx, startReceiver, waitFor } from './support.ts';
import { CASHIER, OTHER_MANAGER } from '../helpers/fixtures.ts';
import { seededStore } from '../helpers/app.ts';
import type { Receiver, Received } from './support.ts';

const FAST: DispatcherOptions = { pollMs: 20, retryBaseMs: 40, retryMaxMs: 200, timeoutMs: 2000 };

/** Names sent per participant, in the order the receiver acknowledged them. */
function ackedNames(r: Receiver, client: number): unknown[] {
  return r
    .acknowledged()
    .filter((x) => x.json.Client === client)
    .map((x) => x.json.Changes.find((c) => c.Field === 'Name')?.New);
}

function assertNoDuplicateAcks(r: Receiver): void {
  const ids = r.acknowledged().map((x) => x.json.EventId);
  assert.equal(new Set(ids).size, ids.length, 'an acknowledged event was delivered again');
}

for (const engine of ENGINES) {
  describe(`webhooks on ${engine}`, () => {
    let ts: TestStore;
    let receiver: Receiver | undefined;
    let dispatcher: Dispatcher | undefined;
    const rename = (client: number, name: string) => updateClientInTransaction(ts.store, ctx(client === 3 ? OTHER_MANAGER : CASHIER), { Client: client, Name: name });

    before(async () => {
      ts = await seededStore(engine);
    });
    afterEach(async () => {
      await dispatcher?.stop();
      dispatcher = undefined;
      await receiver?.close();
      receiver = undefined;
      await ts.store.db.deleteFrom('webhooks').execute();
    });
    after(async () => ts.dispose());

    it('delivers signed events, in order per participant, only to the operator\'s webhooks', async () => {
      receiver = await startReceiver();
      const other = await startReceiver();
      try {
        await addWebhook(ts.store.db, { operatorId: 1, url: receiver.url, secret: 'op1-secret' });
        await addWebhook(ts.store.db, { operatorId: 2, url: other.url, secret: 'op2-secret' });
        for (let i = 1; i <= 5; i++) {
          await rename(1, `A${i}`);
          if (i <= 3) await rename(2, `B${i}`);
        }
        await rename(3, 'C1');
        dispatcher = startDispatcher(ts.store, FAST);
        await waitFor(() => receiver!.acknowledged().length === 8 && other.acknowledged().length === 1, '9 deliveries');

        assert.deepEqual(ackedNames(receiver, 1), ['A1', 'A2', 'A3', 'A4', 'A5']);
        assert.deepEqual(ackedNames(receiver, 2), ['B1', 'B2', 'B3']);
        assert.deepEqual(ackedNames(other, 3), ['C1']);
        for (const r of receiver.requests) {
          assert.ok(verifySignature('op1-secret', r.body, r.signature), 'signature verifies with the secret');
          assert.ok(!verifySignature('op2-secret', r.body, r.signature));
          assert.match(r.signature ?? '', /^sha256=[0-9a-f]{64}$/);
          assert.equal(r.eventId, r.json.EventId);
          assert.match(r.contentType ?? '', /^application\/json/);
          assert.equal(r.json.Operator, 1);
          assert.ok(!Number.isNaN(Date.parse(r.json.Time)));
        }
        const first = receiver.acknowledged().find((x) => x.json.Client === 1)!;
        assert.deepEqual(first.json.Changes, [{ Field: 'Name', Old: 'Иван', New: 'A1' }]);
        assert.equal(first.json.ContragentId, '1C-0001');
        assertNoDuplicateAcks(receiver);
        // The receiver counts a request before the dispatcher has recorded its answer.
        await waitFor(async () => (await listEvents(ts.store.db, { pendingOnly: true, limit: 100 })).length === 0, 'nothing pending');
        assert.equal(receiver.requests.length, 8, 'nothing sent twice');
      } finally {
        await other.close();
      }
    });

    it('a receiver answering 500 for a while gets everything afterwards, in order, once', async () => {
      receiver = await startReceiver();
      receiver.answer = 500;
      await addWebhook(ts.store.db, { operatorId: 1, url: receiver.url, secret: 's' });
      for (const n of ['D1', 'D2', 'D3']) await rename(1, n);
      dispatcher = startDispatcher(ts.store, FAST);
      const isHead = (e: { Payload: unknown }) => (e.Payload as Received['json']).Changes[0]?.New === 'D1';
      // The receiver counts a request before the dispatcher records its answer: wait for the record.
      await waitFor(async () => {
        const events = await listEvents(ts.store.db, { pendingOnly: true, limit: 100 });
        return (events.find(isHead)?.Deliveries[0]?.Attempts ?? 0) >= 3;
      }, 'three failed attempts recorded');
      // While the head of the queue fails, the later events of that participant wait.
      assert.ok(receiver.requests.length >= 3);
      assert.ok(receiver.requests.every((r) => r.json.Changes[0]?.New === 'D1'));
      const pending = await listEvents(ts.store.db, { pendingOnly: true, limit: 100 });
      assert.equal(pending.length, 3);
      const head = pending.find(isHead)!;
      assert.ok(head.Deliveries[0]!.Attempts >= 3);
      assert.equal(head.Deliveries[0]!.LastError, 'HTTP 500');
      receiver.answer = 200;
      await waitFor(() => receiver!.acknowledged().length === 3, 'three deliveries');
      assert.deepEqual(ackedNames(receiver, 1), ['D1', 'D2', 'D3']);
      assertNoDuplicateAcks(receiver);
    });

    it('a receiver refusing connections, then back on the same port, gets everything once', async () => {
      const probe = await startReceiver();
      const port = probe.port;
      await probe.close(); // the port now refuses connections
      await addWebhook(ts.store.db, { operatorId: 1, url: `http://127.0.0.1:${port}/hook`, secret: 's' });
      for (const n of ['E1', 'E2']) await rename(1, n);
      await rename(2, 'F1');
      dispatcher = startDispatcher(ts.store, FAST);
      await waitFor(async () => {
        const events = await listEvents(ts.store.db, { pendingOnly: true, limit: 100 });
        return events.some((e) => e.Deliveries.some((d) => d.Attempts >= 2));
      }, 'failed attempts');
      receiver = await startReceiver(port);
      await waitFor(() => receiver!.acknowledged().length === 3, 'three deliveries');
      assert.deepEqual(ackedNames(receiver, 1), ['E1', 'E2']);
      assert.deepEqual(ackedNames(receiver, 2), ['F1']);
      assertNoDuplicateAcks(receiver);
    });

    it('gives up on a delivery after the retry window and moves on to the next event', async () => {
      receiver = await startReceiver();
      receiver.answer = 503;
      await addWebhook(ts.store.db, { operatorId: 1, url: receiver.url, secret: 's' });
      await rename(1, 'G1');
      dispatcher = startDispatcher(ts.store, { ...FAST, giveUpAfterMs: 300 });
      await waitFor(async () => {
        const [e] = await listEvents(ts.store.db, { pendingOnly: false, limit: 1 });
        return e?.Deliveries[0]?.Status === 'failed';
      }, 'the delivery to fail for good');
      const failedAttempts = receiver.requests.length;
      assert.ok(failedAttempts >= 2);
      receiver.answer = 200;
      await rename(1, 'G2');
      await waitFor(() => receiver!.acknowledged().length === 1, 'the next event');
      assert.deepEqual(ackedNames(receiver, 1), ['G2']);
      assert.equal(receiver.requests.filter((r) => r.json.Changes[0]?.New === 'G1').length, failedAttempts, 'a failed event is not retried');
    });

    it('a webhook added or removed while running takes effect without a restart', async () => {
      receiver = await startReceiver();
      dispatcher = startDispatcher(ts.store, FAST);
      await rename(1, 'H0'); // no webhook yet: nobody to tell
      const hook = await addWebhook(ts.store.db, { operatorId: 1, url: receiver.url, secret: 's' });
      await rename(1, 'H1');
      await waitFor(() => receiver!.acknowledged().length === 1, 'the event after the webhook was added');
      assert.deepEqual(ackedNames(receiver, 1), ['H1']);
      assert.ok(await removeWebhook(ts.store.db, hook.id));
      await rename(1, 'H2');
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(receiver.requests.length, 1);
    });

    it('pending events are delivered after the server is stopped and started again', async () => {
      receiver = await startReceiver();
      receiver.answer = 500;
      await addWebhook(ts.store.db, { operatorId: 1, url: receiver.url, secret: 's' });
      const config = loadConfig({}, { ...ts.config, port: 0, webhookPollMs: 20, webhookRetryBaseMs: 40 } as never);
      const sink = { write: () => true };
      // Changes are made while no server runs: on SQLite the server is the one writer
      // (a second connection's deferred transaction could meet SQLITE_BUSY).
      for (const n of ['R1', 'R2']) await rename(1, n);
      await rename(2, 'S1');
      let server = await startServer(config, { logger: false, out: sink });
      try {
        await waitFor(() => receiver!.requests.length >= 2, 'attempts by the first server');
      } finally {
        await server.close();
      }
      assert.equal(receiver.acknowledged().length, 0);
      assert.equal((await listEvents(ts.store.db, { pendingOnly: true, limit: 100 })).length, 3);
      receiver.answer = 200;
      await rename(1, 'R3'); // made while no server runs
      server = await startServer(config, { logger: false, out: sink });
      try {
        await waitFor(() => receiver!.acknowledged().length === 4, 'four deliveries after the restart');
      } finally {
        await server.close();
      }
      assert.deepEqual(ackedNames(receiver, 1), ['R1', 'R2', 'R3']);
      assert.deepEqual(ackedNames(receiver, 2), ['S1']);
      assertNoDuplicateAcks(receiver);
    });

    if (engine === 'postgres') {
      it('several dispatchers on one database deliver each event once, in order', async () => {
        receiver = await startReceiver();
        await addWebhook(ts.store.db, { operatorId: 1, url: receiver.url, secret: 's' });
        const { openStore } = await import('../../src/db/store.ts');
        const stores = await Promise.all([1, 2, 3].map(() => openStore(ts.config.database)));
        const dispatchers = stores.map((s) => startDispatcher(s, { ...FAST, pollMs: 5, batchSize: 3 }));
        try {
          const expected: Record<number, string[]> = { 1: [], 2: [] };
          for (let i = 0; i < 12; i++) {
            for (const client of [1, 2]) {
              const name = `P${client}-${i}`;
              expected[client]!.push(name);
              await rename(client, name);
            }
          }
          await waitFor(() => receiver!.acknowledged().length === 24, '24 deliveries');
          await new Promise((r) => setTimeout(r, 200));
          assert.equal(receiver.requests.length, 24, 'no event delivered twice');
          assert.deepEqual(ackedNames(receiver, 1), expected[1]);
          assert.deepEqual(ackedNames(receiver, 2), expected[2]);
        } finally {
          await Promise.all(dispatchers.map((d) => d.stop()));
          await Promise.all(stores.map((s) => s.close()));
        }
      });
    }
  });
}

describe('retry schedule', () => {
  it('doubles from the base up to the cap', () => {
    assert.deepEqual([1, 2, 3, 4, 10, 11, 50].map((n) => retryDelay(n, 1000, 600_000)), [1000, 2000, 4000, 8000, 512_000, 600_000, 600_000]);
  });
});
