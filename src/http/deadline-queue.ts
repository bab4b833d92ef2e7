// withDeadline (src/db/deadline.ts) for the requests of one route, with one timer for all of
// them instead of a timer, a race and a finally per request. Every request gets the same
// bound, so their deadlines come in the order they started: a queue, and one timer armed
// for the oldest request still waiting. A request past its deadline is refused with
// DatabaseTimeout as by withDeadline (its work goes on; its caller is told 503, never
// success).
import { performance } from 'node:perf_hooks';
import { DatabaseTimeout } from '../db/deadline.ts';

interface Waiting {
  /** performance.now() at which it times out. */
  readonly at: number;
  /** Cleared once settled. */
  reject: ((err: Error) => void) | undefined;
}

export class DeadlineQueue {
  private queue: Waiting[] = [];
  /** queue[head] is the oldest entry still kept; those before it are gone. */
  private head = 0;
  private waiting = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  /** Resolves or rejects as `work` does, or rejects with DatabaseTimeout after the bound. */
  run<T>(work: Promise<T>): Promise<T> {
    if (!(this.ms > 0)) return work;
    return new Promise<T>((resolve, reject) => {
      const entry: Waiting = { at: performance.now() + this.ms, reject };
      this.queue.push(entry);
      this.waiting++;
      if (this.timer === undefined) this.arm(this.ms);
      work.then(
        (value) => {
          if (this.settle(entry)) resolve(value);
        },
        (err: unknown) => {
          if (this.settle(entry)) reject(err);
        },
      );
    });
  }

  /** Marks an entry settled; false when its deadline had already refused it. */
  private settle(entry: Waiting): boolean {
    if (entry.reject === undefined) return false;
    entry.reject = undefined;
    if (--this.waiting === 0) {
      // Nobody waits: no timer keeps the process alive, and the queue starts afresh.
      clearTimeout(this.timer);
      this.timer = undefined;
      this.queue = [];
      this.head = 0;
    } else {
      this.dropSettled();
    }
    return true;
  }

  private arm(delay: number): void {
    this.timer = setTimeout(() => this.expire(), Math.max(1, Math.ceil(delay)));
  }

  /** Refuses every entry past its deadline, then arms the timer for the oldest one left. */
  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    const q = this.queue;
    while (this.head < q.length) {
      const entry = q[this.head]!;
      if (entry.reject !== undefined) {
        if (entry.at > now) break;
        const reject = entry.reject;
        entry.reject = undefined;
        this.waiting--;
        reject(new DatabaseTimeout(this.ms));
      }
      this.head++;
    }
    this.compact();
    if (this.head < this.queue.length) this.arm(this.queue[this.head]!.at - now);
  }

  /** Forgets the settled entries at the front (requests mostly finish in the order they came). */
  private dropSettled(): void {
    const q = this.queue;
    while (this.head < q.length && q[this.head]!.reject === undefined) this.head++;
    this.compact();
  }

  private compact(): void {
    if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
