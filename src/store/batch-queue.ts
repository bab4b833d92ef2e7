// Gathers work that arrives together into batches: whatever was queued while the batches in
// flight ran (plus what arrives in the current turn of the event loop) is handed to `run` as
// one batch, in arrival order. The group commit of both engines is built on it.

/** Counters of committed batches, and listeners told the size of each (the metrics). */
export class BatchStats {
  batches = 0;
  /** Requests in the committed batches. */
  jobs = 0;
  largestBatch = 0;
  /** Batches the database refused as a whole (a row changed or a value claimed since their read), run again one by one. */
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
  resolve(value: R): void;
  reject(err: unknown): void;
}

/** One settled result per job of a batch, in the order of the jobs. */
export type Settled<R> = { ok: true; value: R } | { ok: false; err: unknown };

export interface BatchQueueOptions {
  /** Most jobs in one batch. */
  maxBatch?: number;
  /**
   * Batches allowed in flight at once. 1 on SQLite (one connection); more on PostgreSQL,
   * where a batch mostly waits for round trips and the next one can use another connection.
   */
  concurrency?: number;
}

export class BatchQueue<J, R> {
  private queue: Queued<J, R>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private idleWaiters: (() => void)[] = [];
  private readonly maxBatch: number;
  private readonly concurrency: number;

  constructor(
    /** Runs one batch; rejecting rejects every job of the batch. */
    private readonly run: (jobs: J[]) => Promise<Settled<R>[]>,
    readonly stats: BatchStats = new BatchStats(),
    options: BatchQueueOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.concurrency = options.concurrency ?? 1;
  }

  submit(job: J, weight = 1): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, weight, resolve, reject });
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
    // Let the requests that arrive in this turn of the event loop join the batch.
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.concurrency && this.queue.length > 0) {
        this.inFlight++;
        void this.runBatch(this.queue.splice(0, this.maxBatch)).finally(() => {
          this.inFlight--;
          if (this.inFlight === 0 && this.queue.length === 0) for (const wake of this.idleWaiters.splice(0)) wake();
          this.schedule();
        });
      }
    });
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
