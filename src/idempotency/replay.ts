// What a write does with the key its request holds (KeyClaim): answer a retry from the
// stored answer, refuse a key reused for another request, or act and store the answer in
// the same transaction. Two shapes, one per kind of write: transactWithKey for a write in a
// transaction of its own, BatchKeys for the requests of a group-committed batch.
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Store } from '../db/store.ts';
import type { Db } from '../db/directory.ts';
import { nowIso } from '../db/convert.ts';
import type { KeyClaim } from '../lib/key-claim.ts';
import { scopeId } from './key.ts';
import type { KeyRow, StoredKey } from './store.ts';
import { deleteKey, insertKeyRows, isKeyConflict, keyRow, readStoredKeys, setKeyAnswer } from './store.ts';

/** The key was first used with a different request (HTTP 422). Thrown: it is a refusal of the request, not an answer to it. */
export class KeyReused extends Error {
  constructor() {
    super('the Idempotency-Key was used with a different request');
    this.name = 'KeyReused';
  }
}

const replays = new WeakSet<object>();

/** Whether an answer was replayed from a stored one (metrics, log). */
export function isReplay(answer: unknown): boolean {
  return typeof answer === 'object' && answer !== null && replays.has(answer);
}

/** The stored answer to `claim`'s request, or KeyReused when the key came with another request. */
function replayOf<T>(stored: Pick<StoredKey, 'requestHash' | 'response'>, claim: KeyClaim): T {
  if (stored.requestHash !== claim.requestHash) throw new KeyReused();
  const answer = JSON.parse(stored.response) as object;
  replays.add(answer);
  return answer as T;
}

/** A key row's placeholder answer, until the write's own answer replaces it (setKeyAnswer). */
const PENDING = {};

/** Tries of a keyed transaction that met the key stored by another transaction (the next try replays it). */
const KEY_ATTEMPTS = 3;

/**
 * Runs `work` in a transaction of its own (store.transact) with the key: a stored answer is
 * replayed and `work` does not run; otherwise the key is inserted first — so that a
 * transaction of another process holding it makes this one wait, then fail and replay
 * its answer — `work` runs, and its answer is stored in the same transaction. `storedAnswer`
 * and `recover`: see retryKeyed. Without a claim: `work` as it was.
 */
export async function transactWithKey<T>(
  store: Store,
  claim: KeyClaim | undefined,
  work: (tx: Transaction<Database>) => Promise<T>,
  storedAnswer: (outcome: T) => object | undefined,
  recover: (err: unknown) => T | undefined = () => undefined,
): Promise<T> {
  if (!claim) return retryKeyed(undefined, () => store.transact(work), store, storedAnswer, recover);
  const keyed = claim;
  const attempt = () =>
    store.transact(async (tx) => {
      const now = nowIso();
      const stored = (await readStoredKeys(tx, [keyed], now)).get(scopeId(keyed));
      if (stored) return replayOf<T>(stored, keyed);
      await insertKeyRows(tx, [keyRow(keyed, PENDING, now)]);
      const outcome = await work(tx);
      const answer = storedAnswer(outcome);
      if (answer === undefined) await deleteKey(tx, keyed);
      else await setKeyAnswer(tx, keyRow(keyed, answer, nowIso()));
      return outcome;
    });
  return retryKeyed(keyed, attempt, store, storedAnswer, recover);
}

/**
 * Runs `attempt`, a transaction of its own that replays the claim's stored answer or stores
 * its own (transactWithKey; a one-by-one ClientUpdate, with BatchKeys). The key stored by
 * another transaction meanwhile (a key conflict) rolls it back: the next try, up to
 * KEY_ATTEMPTS, reads the key and replays. `recover` turns any other error into an answer
 * decided after the rollback (a unique value claimed meanwhile), which is then stored with
 * the key in a small transaction of its own; `storedAnswer` picks what is stored of an
 * outcome (undefined: nothing, e.g. a 403). Without a claim: one try, and `recover`.
 */
export async function retryKeyed<T>(
  claim: KeyClaim | undefined,
  attempt: () => Promise<T>,
  store: Store,
  storedAnswer: (outcome: T) => object | undefined,
  recover: (err: unknown) => T | undefined,
): Promise<T> {
  let lastConflict: unknown;
  for (let i = 0; i < KEY_ATTEMPTS; i++) {
    try {
      return await attempt();
    } catch (err) {
      if (claim && isKeyConflict(err)) {
        lastConflict = err;
        continue;
      }
      const recovered = recover(err);
      if (recovered === undefined) throw err;
      const answer = claim && storedAnswer(recovered);
      if (!claim || answer === undefined) return recovered;
      try {
        await store.transact((tx) => insertKeyRows(tx, [keyRow(claim, answer, nowIso())]));
        return recovered;
      } catch (storeErr) {
        if (!isKeyConflict(storeErr)) throw storeErr;
        lastConflict = storeErr;
      }
    }
  }
  throw lastConflict;
}

/**
 * The keys of a batch's requests: read with the batch (one query, none when no request has
 * a key), consulted before each request runs, and the answers to store written by the
 * batch's own write (rows()). Two requests of the batch with one key act once: the second
 * gets the first's answer (or KeyReused when its request differs).
 */
export class BatchKeys {
  private readonly staged = new Map<string, { requestHash: string; answer: object }>();
  private readonly toStore: KeyRow[] = [];

  private constructor(
    private readonly claims: readonly (KeyClaim | undefined)[],
    private readonly stored: Map<string, StoredKey>,
  ) {}

  /** undefined when no request of the batch has a key: then nothing is read or written. */
  static async read(db: Db, claims: readonly (KeyClaim | undefined)[]): Promise<BatchKeys | undefined> {
    const keyed = claims.filter((c): c is KeyClaim => c !== undefined);
    if (keyed.length === 0) return undefined;
    return new BatchKeys(claims, await readStoredKeys(db, keyed, nowIso()));
  }

  /**
   * Before request `i` runs: the answer to replay instead (stored, or given earlier in this
   * batch), undefined to run it; throws KeyReused when the key came with another request.
   */
  replay<T>(i: number): T | undefined {
    const claim = this.claims[i];
    if (!claim) return undefined;
    const id = scopeId(claim);
    const stored = this.stored.get(id);
    if (stored) return replayOf<T>(stored, claim);
    const earlier = this.staged.get(id);
    if (earlier) return replayOf<T>({ requestHash: earlier.requestHash, response: JSON.stringify(earlier.answer) }, claim);
    return undefined;
  }

  /** After request `i` ran: its answer (undefined: not stored, e.g. a 403) is written with the batch. */
  answered(i: number, answer: object | undefined): void {
    const claim = this.claims[i];
    if (!claim || answer === undefined) return;
    this.staged.set(scopeId(claim), { requestHash: claim.requestHash, answer });
    this.toStore.push(keyRow(claim, answer, nowIso()));
  }

  /** The key rows the batch's write inserts. */
  rows(): readonly KeyRow[] {
    return this.toStore;
  }
}
