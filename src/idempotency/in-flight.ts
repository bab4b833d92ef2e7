// Requests of this process in flight, by scope and key: a retry that arrives while the first
// request with its key is still being served waits for it (and is then answered from the
// stored answer), rather than racing it to the database. Across processes the key's
// primary key settles the race instead (see transactWithKey, BatchKeys).

/** The wait for an earlier request with the same key was longer than allowed (HTTP 409). */
export class KeyInFlight extends Error {
  constructor() {
    super('a request with this Idempotency-Key is still in flight');
    this.name = 'KeyInFlight';
  }
}

export class InFlightKeys {
  private readonly running = new Map<string, Promise<void>>();

  /**
   * Runs `work` once no other request with `id` is in flight here, waiting at most
   * `waitMs` for them (0 = no bound), else rejects with KeyInFlight. Whatever the earlier
   * request's fate, the wait only orders the two: `work` then reads the stored answer itself.
   */
  async run<T>(id: string, waitMs: number, work: () => Promise<T>): Promise<T> {
    const deadline = waitMs > 0 ? Date.now() + waitMs : Infinity;
    for (let ahead = this.running.get(id); ahead; ahead = this.running.get(id)) {
      if (!(await settlesWithin(ahead, deadline - Date.now()))) throw new KeyInFlight();
    }
    let done!: () => void;
    this.running.set(id, new Promise<void>((resolve) => (done = resolve)));
    try {
      return await work();
    } finally {
      this.running.delete(id);
      done();
    }
  }

  /** Keys in flight now (tests). */
  get size(): number {
    return this.running.size;
  }
}

/** Whether `p` settles within `ms` (Infinity: waits for it). */
function settlesWithin(p: Promise<void>, ms: number): Promise<boolean> {
  if (ms === Infinity) return p.then(() => true);
  if (ms <= 0) return Promise.resolve(false);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  return Promise.race([p.then(() => true), timeout]).finally(() => clearTimeout(timer));
}
