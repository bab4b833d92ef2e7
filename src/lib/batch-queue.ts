// Gathers work that arrives together into batches: whatever was queued while the batches in
// flight ran (plus what arrives in the current turn of the event loop) is handed to `run` as
// one batch, or with `halves` as two, in arrival order. The group commit of both engines is
// built on it.
// With several batches in flight, jobs that share a key (ClientUpdate: the participant) are
// never in two of them at once: a batch read before the other's commit would see a stale row,
// be refused as a whole and run again one by one — a dozen commits where one would do.

/** Counters of committed batches, and listeners told the size of each (the metrics). */
export class BatchStats {
  batches = 0;
  /** Requests in the committed batches. */
  jobs = 0;
  largestBatch = 0;
  /** Times the database refused a batch as a whole (a row changed or a value claimed since its read) and it ran again. */
  retried = 0;
  private readonly listeners = new Set<(size: number) => void>();

  record(size: number): void {
    this.batches++;
    this.jobs += size;
    this.largestBatch = Math.max(this.largestBatch, size);
    for (const listener of this.listeners) listener(size);
  }

  /** Calls `listener` with the size of every batch committed from now on; returns the undo. */
  onBatch(listener: (size: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

interface Queued<J, R> {
  job: J;
  /** How many requests the job carries, for the stats (a job may be a whole batch). */
  weight: number;
  /** BatchQueueOptions.key of the job, taken once when it is queued. */
  key: string | number | undefined;
  resolve(value: R): void;
  reject(err: unknown): void;
}

/** One settled result per job of a batch, in the order of the jobs. */
export type Settled<R> = { ok: true; value: R } | { ok: false; err: unknown };

export interface BatchQueueOptions<J> {
  /** Most jobs in one batch. */
  maxBatch?: number;
  /**
   * Batches allowed in flight at once, 1 by default. More lets the next batch read and run
   * its rules while the one before waits for its write and commit (ClientUpdate's batches:
   * BATCHES_IN_FLIGHT in src/participant/update/batch.ts).
   */
  concurrency?: number;
  /**
   * A job whose key is in a batch in flight waits for a later batch (jobs without a key never
   * wait), behind it only jobs of its key; others may pass it: requests that were in flight
   * together have no order of their own.
   */
  key?: (job: J) => string | number | undefined;
  /**
   * With concurrency above 1: a batch takes at most half of the jobs waiting and in flight,
   * but no fewer than this many. Without it, requests that come back together (answered by
   * one commit) form one batch again, and the whole load moves as one convoy: while it is
   * written the event loop waits, and while it is read and checked the writer waits. Halves
   * alternate instead: one is written while the other is read and checked (ClientUpdate:
   * docs/performance.md). Small bursts stay whole: one commit serves them sooner than two.
   */
  halves?: number;
}

export class BatchQueue<J, R> {
  private queue: Queued<J, R>[] = [];
  private inFlight = 0;
  /** Jobs in the batches in flight. */
  private jobsInFlight = 0;
  /** Keys of the jobs in the batches in flight, with how many such jobs. */
  private readonly busyKeys = new Map<string | number, number>();
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private readonly maxBatch: number;
  private readonly concurrency: number;
  private readonly key: BatchQueueOptions<J>['key'];
  /** BatchQueueOptions.halves, when it applies; else undefined. */
  private readonly halves: number | undefined;

  constructor(
    /** Runs one batch; rejecting rejects every job of the batch. */
    private readonly run: (jobs: J[]) => Promise<Settled<R>[]>,
    readonly stats: BatchStats = new BatchStats(),
    options: BatchQueueOptions<J> = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.concurrency = options.concurrency ?? 1;
    this.key = options.key;
    this.halves = this.concurrency > 1 ? options.halves : undefined;
  }

  submit(job: J, weight = 1): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, weight, key: this.key?.(job), resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when everything queued so far has been settled. */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    // Let the requests that arrive in this turn of the event loop join the batch. One batch
    // starts per turn: its synchronous part (a read, the rules) is done and its write sent
    // before the next batch starts, rather than both finishing together.
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.take();
      if (batch.length === 0) return; // every queued job waits for a batch in flight
      this.inFlight++;
      this.jobsInFlight += batch.length;
      this.countKeysInFlight(batch, +1);
      void this.runBatch(batch).finally(() => {
        this.inFlight--;
        this.jobsInFlight -= batch.length;
        this.countKeysInFlight(batch, -1);
        if (this.inFlight === 0 && this.queue.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        this.schedule();
      });
      this.schedule();
    });
  }

  /** The next batch: up to maxBatch queued jobs (halves: see the option), in order, but none whose key is in flight. */
  private take(): Queued<J, R>[] {
    const most = this.halves === undefined ? this.maxBatch : Math.min(this.maxBatch, Math.max(this.halves, Math.ceil((this.queue.length + this.jobsInFlight) / 2)));
    if (this.busyKeys.size === 0) return this.queue.splice(0, most);
    const batch: Queued<J, R>[] = [];
    const rest: Queued<J, R>[] = [];
    for (const q of this.queue) {
      if (batch.length < most && (q.key === undefined || !this.busyKeys.has(q.key))) batch.push(q);
      else rest.push(q);
    }
    this.queue = rest;
    return batch;
  }

  /** Counts the batch's keys in flight (+1 when it starts) or out again (-1 when it ends). */
  private countKeysInFlight(batch: readonly Queued<J, R>[], delta: 1 | -1): void {
    for (const { key } of batch) {
      if (key === undefined) continue;
      const n = (this.busyKeys.get(key) ?? 0) + delta;
      if (n === 0) this.busyKeys.delete(key);
      else this.busyKeys.set(key, n);
    }
  }

  private async runBatch(batch: Queued<J, R>[]): Promise<void> {
    let results: Settled<R>[];
    try {
      results = await this.run(batch.map((q) => q.job));
    } catch (err) {
      for (const q of batch) q.reject(err);
      return;
    }
    this.stats.record(batch.reduce((n, q) => n + q.weight, 0));
    batch.forEach((q, i) => {
      const r = results[i]!;
      if (r.ok) q.resolve(r.value);
      else q.reject(r.err);
    });
  }
}
