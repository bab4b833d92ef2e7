// The batch queue under the group commit: with two batches in flight, jobs that share a key
// (ClientUpdate: the participant) are never in both — the later ones wait for a later batch,
// in their order — while jobs of other keys, and jobs without a key, go ahead.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BatchQueue } from '../../src/lib/batch-queue.ts';
import type { Settled } from '../../src/lib/batch-queue.ts';

interface Job {
  name: string;
  key?: number;
}

/** A queue whose batches finish only when the test says so; it records every batch. */
function controlledQueue(options: { concurrency?: number; halves?: number } = {}) {
  const batches: string[][] = [];
  const finish: (() => void)[] = [];
  const queue = new BatchQueue<Job, string>(
    (jobs) => {
      batches.push(jobs.map((j) => j.name));
      const results: Settled<string>[] = jobs.map((j) => ({ ok: true, value: j.name }));
      return new Promise((resolve) => finish.push(() => resolve(results)));
    },
    undefined,
    { concurrency: 2, key: (j) => j.key, ...options },
  );
  const turn = () => new Promise((resolve) => setImmediate(resolve));
    /** Lets the oldest batch in flight finish, and the queue react. */
  const finishOldest = async () => {
    finish.shift()!();
    await turn();
    await turn();
  };
  return { queue, batches, finishOldest, turn };
}

describe('batch queue', () => {
  it('a job whose key is in a batch in flight waits for a later batch; other keys go ahead', async () => {
    const { queue, batches, finishOldest, turn } = controlledQueue();
    const answers: string[] = [];
    const submit = (job: Job) => void queue.submit(job).then((v) => answers.push(v));
    submit({ name: 'a1', key: 1 });
    submit({ name: 'b1', key: 2 });
    await turn();
    assert.deepEqual(batches, [['a1', 'b1']]);

    submit({ name: 'a2', key: 1 });
    submit({ name: 'c1', key: 3 });
    submit({ name: 'x' });
    submit({ name: 'a3', key: 1 });
    await turn();
    assert.deepEqual(batches[1], ['c1', 'x'], 'key 1 is in flight: a2 and a3 wait');

    await finishOldest();
    assert.deepEqual(answers, ['a1', 'b1']);
    assert.deepEqual(batches[2], ['a2', 'a3'], 'the waiting jobs, in their order, once key 1 is free');

    await finishOldest();
    await finishOldest();
    assert.deepEqual(answers, ['a1', 'b1', 'c1', 'x', 'a2', 'a3']);
    await queue.idle();
    assert.equal(batches.length, 3);
  });

  it('a queue holding only waiting jobs starts no empty batch, and idle() waits for them', async () => {
    const { queue, batches, finishOldest, turn } = controlledQueue();
    const done = [queue.submit({ name: 'a1', key: 1 })];
    await turn();
    done.push(queue.submit({ name: 'a2', key: 1 }));
    await turn();
    assert.deepEqual(batches, [['a1']]);
    let idle = false;
    void queue.idle().then(() => (idle = true));
    await finishOldest();
    assert.deepEqual(batches, [['a1'], ['a2']]);
    assert.equal(idle, false);
    await finishOldest();
    assert.deepEqual(await Promise.all(done), ['a1', 'a2']);
    await turn();
    assert.equal(idle, true);
  });

  it('halves: a burst is taken as two batches that alternate, also when it comes back together', async () => {
    const { queue, batches, finishOldest, turn } = controlledQueue({ concurrency: 4, halves: 4 });
    const burst = (from: number) => Array.from({ length: 32 }, (_, i) => void queue.submit({ name: `j${from + i}` }));
    burst(0);
    await turn();
    await turn();
    assert.deepEqual(batches.map((b) => b.length), [16, 16], 'half of what waits and is in flight: 16 of 32, then 16 of 16 + 16');
    await finishOldest();
    for (let i = 0; i < 16; i++) void queue.submit({ name: `again${i}` });
    await turn();
    assert.deepEqual(batches.map((b) => b.length), [16, 16, 16], 'the half that came back forms a batch of its own while the other is in flight');

    const small = controlledQueue({ concurrency: 4, halves: 4 });
    for (let i = 0; i < 6; i++) void small.queue.submit({ name: `s${i}` });
    await small.turn();
    await small.turn();
    assert.deepEqual(small.batches.map((b) => b.length), [4, 2], 'no half smaller than 4: 4 of 6, then the rest');

    const plain = controlledQueue({ concurrency: 4 });
    for (let i = 0; i < 32; i++) void plain.queue.submit({ name: `p${i}` });
    await plain.turn();
    await plain.turn();
    assert.deepEqual(plain.batches.map((b) => b.length), [32], 'without halves: one batch of the whole burst');
  });

  it('starts one batch per turn: a batch has sent its work before the next one starts', async () => {
    const events: string[] = [];
    const queue = new BatchQueue<Job, string>(
      async (jobs) => {
        const names = jobs.map((j) => j.name).join(',');
        events.push(`start ${names}`);
        // The batch's synchronous work (a read, the rules) takes a few promise turns.
        for (let i = 0; i < 3; i++) await Promise.resolve();
        events.push(`sent ${names}`);
        await new Promise((resolve) => setTimeout(resolve, 10)); // its commit
        return jobs.map((j) => ({ ok: true, value: j.name }));
      },
      undefined,
      { concurrency: 2, halves: 1 },
    );
    await Promise.all(['a', 'b', 'c', 'd'].map((name) => queue.submit({ name })));
    assert.deepEqual(events, ['start a,b', 'sent a,b', 'start c,d', 'sent c,d']);
  });
});
