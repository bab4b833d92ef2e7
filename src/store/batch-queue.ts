// Gathers work that arrives together into batches: whatever was queued while the previous
// batch ran (plus what arrives in the current turn of the event loop) is handed to `run` as
// one batch, in arrival order. The group commit of both engines is built on it.

export interface BatchStats {
  batches: number;
  jobs: number;
  largestBatch: number;
}

export function newBatchStats(): BatchStats {
  return { batches: 0, jobs: 0, largestBatch: 0 };
}

interface Queued<J, R> {
  job: J;
  resolve(value: R): void;
  reject(err: unknown): void;
}

/** One settled result per job of a batch, in the order of the jobs. */
export type Settled<R> = { ok: true; value: R } | { ok: false; err: unknown };

export class BatchQueue<J, R> {
  private queue: Queued<J, R>[] = [];
  private draining: Promise<void> | undefined;

  constructor(
    /** Runs one batch; rejecting rejects every job of the batch. */
    private readonly run: (jobs: J[]) => Promise<Settled<R>[]>,
    readonly stats: BatchStats = newBatchStats(),
    private readonly maxBatch = 256,
  ) {}

  submit(job: J): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.draining ??= this.drain();
    });
  }

  /** Resolves when everything queued so far has been settled. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // Let the requests that arrived in this turn of the event loop join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        let results: Settled<R>[];
        try {
          results = await this.run(batch.map((q) => q.job));
        } catch (err) {
          for (const q of batch) q.reject(err);
          continue;
        }
        this.stats.batches++;
        this.stats.jobs += batch.length;
        this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
        batch.forEach((q, i) => {
          const r = results[i]!;
          if (r.ok) q.resolve(r.value);
          else q.reject(r.err);
        });
      }
    } finally {
      this.draining = undefined;
    }
  }
}
