// One timer for the deadlines of a route's requests (src/http/deadline-queue.ts) answers as
// withDeadline (src/db/deadline.ts) does, request by request: the work's own result before
// the bound, DatabaseTimeout after it, and nothing left running once nobody waits.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DeadlineQueue } from '../../src/http/deadline-queue.ts';
import { DatabaseTimeout, withDeadline } from '../../src/db/deadline.ts';

type Settled = { ok: unknown } | { err: string };

const settle = (p: Promise<unknown>): Promise<Settled> =>
  p.then(
    (ok) => ({ ok }),
    (err: unknown) => ({ err: err instanceof DatabaseTimeout ? `timeout: ${err.message}` : String(err) }),
  );

/** Work that resolves with `value` (or rejects, for an Error) after `ms`. */
const after = (ms: number, value: unknown): Promise<unknown> => sleep(ms).then(() => (value instanceof Error ? Promise.reject(value) : value));

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('DeadlineQueue', () => {
  it('answers each request as withDeadline does: its result, its error, or DatabaseTimeout past the bound', async () => {
    const BOUND = 60;
    const queue = new DeadlineQueue(BOUND);
    // Started at different times, finishing before and after their own deadlines.
    const plan: { start: number; takes: number; value: unknown }[] = [
      { start: 0, takes: 10, value: 'a' },
      { start: 0, takes: 200, value: 'late' },
      { start: 5, takes: 20, value: new Error('refused') },
      { start: 20, takes: 150, value: 'late too' },
      { start: 30, takes: 30, value: 'b' },
      { start: 40, takes: 300, value: new Error('late error') },
      { start: 100, takes: 5, value: 'c' },
    ];
    const works: Promise<unknown>[] = [];
    const work = (takes: number, value: unknown) => {
      const w = after(takes, value);
      works.push(w.catch(() => {}));
      return w;
    };
    const runs = plan.map(async ({ start, takes, value }) => {
      await sleep(start);
      const [fromQueue, fromDeadline] = await Promise.all([settle(queue.run(work(takes, value))), settle(withDeadline(work(takes, value), BOUND))]);
      return { fromQueue, fromDeadline };
    });
    const answers = await Promise.all(runs);
    // The abandoned work goes on; let it end before the next test counts timers.
    await Promise.all(works);
    for (const [i, { fromQueue, fromDeadline }] of answers.entries()) {
      assert.deepEqual(fromQueue, fromDeadline, `request ${i}`);
      assert.deepEqual(fromQueue, plan[i]!.takes < BOUND ? (plan[i]!.value instanceof Error ? { err: String(plan[i]!.value) } : { ok: plan[i]!.value }) : { err: `timeout: The database did not answer within ${BOUND} ms` });
    }
  });

  it('refuses no earlier than the bound', async () => {
    const queue = new DeadlineQueue(50);
    const started = performance.now();
    await assert.rejects(queue.run(new Promise(() => {})), DatabaseTimeout);
    assert.ok(performance.now() - started >= 49, `refused after ${performance.now() - started} ms`);
  });

  it('keeps no timer once nobody waits', async () => {
    const before = timers();
    const queue = new DeadlineQueue(10_000);
    const done = Promise.all([queue.run(after(5, 1)), queue.run(after(10, 2))]);
    assert.equal(timers(), before + 3, 'the two pieces of work and one deadline timer');
    assert.deepEqual(await done, [1, 2]);
    assert.equal(timers(), before);
  });

  it('without a bound is the work itself', () => {
    const work = Promise.resolve(1);
    assert.equal(new DeadlineQueue(0).run(work), work);
  });
});
