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
function controlledQueue() {
  const batches: string[][] = [];
  const finish: (() => void)[] = [];
  const queue = new BatchQueue<Job, string>(
    (jobs) => {
      batches.push(jobs.map((j) => j.name));
      const results: Settled<string>[] = jobs.map((j) => ({ ok: true, value: j.name }));
      return new Promise((resolve) => finish.push(() => resolve(results)));
    },
    undefined,
    { concurrency: 2, key: (j) => j.key },
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
});
