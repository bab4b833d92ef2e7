// Group commit of ClientUpdate, the same on both engines. The requests that arrive together
// cost one read and one write, whatever their number: one query reads their participants
// and every holder of a unique value they claim (plus one per directory table they name:
// Operator, PosCode, SiteCode); the same rules as for a single request (applyClientUpdateInScope)
// run in TypeScript in arrival order, over a scope that answers from what was read and sees
// the earlier requests' changes; then one transaction writes the profiles, history, ledger,
// events and deliveries and commits (PostgreSQL: one statement; SQLite: one per table, in
// the connection's thread). Only then is anyone answered. If the database refuses the
// write — a participant changed since the read (its version moved: driverError's stale write),
// another transaction claimed a phone meanwhile, a deadlock — nothing of it is stored and
// the batch runs once more, reading afresh; refused again, its requests run one by one:
// each the same path as a batch of one, in a transaction of its own with its participant
// locked (updateClientInTransaction). So there are two writers, one per engine
// (store/batch-write.ts), whatever the path.
import type { Store } from '../../db/store.ts';
import type { Db, PosRef } from '../../db/directory.ts';
import { driverError } from '../../db/errors.ts';
import { BatchQueue } from '../../lib/batch-queue.ts';
import type { BatchStats, Settled } from '../../lib/batch-queue.ts';
import { codeKey, nowIso } from '../../db/convert.ts';
import { CONFLICT_CODE, UNIQUE_FIELDS, uniqueKey } from '../fields.ts';
import type { UniqueClaims, UniqueField } from '../store/updates.ts';
import { clashedUniqueField } from '../store/updates.ts';
import { activeSitesByCode, changeWriter, commitBatch, existingOperators, posesByCode, readParticipants } from '../store/batch-write.ts';
import type { BatchWriter } from '../store/batch-write.ts';
import type { CallContext } from '../../lib/principal.ts';
import type { Participant, ProfileField } from '../participant.ts';
import type { ChangeToRecord } from '../change-record.ts';
import { changeRows } from '../change-record.ts';
import { checkProfile, uniqueClaims } from '../rules.ts';
import type { ProfileCheck } from '../rules.ts';
import { trimmed } from '../../lib/text.ts';
import type { UpdateScope } from './update-scope.ts';
import { applyClientUpdateInScope, fail, storedAnswer } from './client-update.ts';
import { BatchKeys, retryKeyed } from '../../idempotency/replay.ts';
import { isKeyConflict } from '../../idempotency/store.ts';
import type { ClientUpdateOutcome, ClientUpdateRequest } from './client-update.ts';

export interface ClientUpdateJob {
  ctx: CallContext;
  req: ClientUpdateRequest;
}

export interface ClientUpdateQueue {
  update(ctx: CallContext, req: ClientUpdateRequest): Promise<ClientUpdateOutcome>;
  /** Resolves when every submitted update has been answered. */
  idle(): Promise<void>;
}

/**
 * ClientUpdate for the app: requests that arrive together are applied as one batch.
 * `stats` counts the batches committed and retried (the app passes store.groupCommit, which
 * /metrics reports).
 */
export function clientUpdateQueue(store: Store, stats: BatchStats): ClientUpdateQueue {
  const write = commitBatch(store);
  const queue = new BatchQueue<ClientUpdateJob, ClientUpdateOutcome>(
    (jobs) => withRetry(store, stats, jobs, () => applyBatch(store.db, jobs, write)),
    stats,
    // A participant in one batch in flight at a time: see BatchQueueOptions.key.
    { concurrency: BATCHES_IN_FLIGHT[store.engine], halves: LEAST_HALF, key: ({ req }) => participantOf(req) },
  );
  return { update: (ctx, req) => queue.submit({ ctx, req }), idle: () => queue.idle() };
}

/**
 * Batches in flight at once: while one waits for its write and commit, the next reads and
 * runs the rules. PostgreSQL: each on a connection of its own. SQLite: the batches that
 * wait in the connection's thread while it commits share the next transaction and its
 * fsync (sqlite-thread.ts), so more of them in flight means more requests per fsync.
 */
const BATCHES_IN_FLIGHT = { postgres: 2, sqlite: 4 } as const satisfies Record<Store['engine'], number>;

/**
 * Requests that arrive together are taken as two halves (BatchQueueOptions.halves), so that
 * one half is read and checked while the other is written: +7–18% requests/s at 32
 * connections on both engines (docs/performance.md). Fewer than 8 a half: the event loop's
 * share of a request (~75 µs) is small against a commit (~1.5 ms), and one transaction
 * answers them all sooner.
 */
const LEAST_HALF = 8;

/** The participant a request names, if it names one the batch can read. */
const participantOf = (req: ClientUpdateRequest): number | undefined => (req.Client !== undefined && req.Client > 0 ? req.Client : undefined);

/** Tries of a batch as a batch before its requests run one by one. */
const BATCH_ATTEMPTS = 2;

/** Whether the database refused the batch as a whole for something another writer did. */
function refused(err: unknown): boolean {
  const { kind } = driverError(err);
  // isKeyConflict: another process stored one of the batch's Idempotency-Keys first; the fresh read replays its answer.
  return kind === 'stale-write' || kind === 'retryable-conflict' || clashedUniqueField(err) !== undefined || isKeyConflict(err);
}

/**
 * Runs the batch. If the database refused it as a whole (another process or connection wrote
 * one of its rows or values since its read), once more: the fresh read sees that write, so
 * the rules answer as they would have. Refused twice, its requests run one by one — a dozen
 * commits in a row, which under load hold up everyone behind them.
 */
async function withRetry(store: Store, stats: BatchStats, jobs: readonly ClientUpdateJob[], batch: () => Promise<Settled<ClientUpdateOutcome>[]>): Promise<Settled<ClientUpdateOutcome>[]> {
  for (let attempt = 0; attempt < BATCH_ATTEMPTS; attempt++) {
    try {
      return await batch();
    } catch (err) {
      if (!refused(err)) throw err;
    }
    stats.retried++;
  }
  const out: Settled<ClientUpdateOutcome>[] = [];
  for (const { ctx, req } of jobs) {
    try {
      out.push({ ok: true, value: await updateClientInTransaction(store, ctx, req) });
    } catch (err) {
      out.push({ ok: false, err });
    }
  }
  return out;
}

/**
 * One request on its own: a batch of one in a transaction of its own, its participant locked
 * for the transaction (PostgreSQL: FOR UPDATE before the batch's read; SQLite: the write
 * transaction's lock, taken at BEGIN IMMEDIATE), written by the engine's writer inside it,
 * with its Idempotency-Key row as in a batch (BatchKeys). The key stored meanwhile by another
 * transaction (a key conflict) rolls it back; the next try reads the key and replays its answer.
 * A unique violation raised by the database (another writer claimed the same phone, e-mail
 * or contragent first) answers with the matching ErrorCode, stored with the key in a small
 * transaction of its own: the database is the safety net behind the rules. The fallback of
 * a twice-refused batch.
 */
export async function updateClientInTransaction(store: Store, ctx: CallContext, req: ClientUpdateRequest): Promise<ClientUpdateOutcome> {
  const write = changeWriter(store.engine);
  const lock = store.engine === 'postgres';
  const attempt = async () => {
    const [result] = await store.transact((tx) => applyBatch(tx, [{ ctx, req }], (writes, rows, at, keys) => write(tx, writes, rows, at, keys), lock));
    if (!result!.ok) throw result!.err;
    return result!.value;
  };
  return retryKeyed(ctx.idempotency, attempt, store, storedAnswer, (err) => {
    const field = clashedUniqueField(err);
    return field ? fail(CONFLICT_CODE[field]) : undefined;
  });
}

/**
 * Read, rules, and write of a batch; `write` writes it (and commits, unless `db` is a
 * transaction). `lock`: lock the named participants before reading them (PostgreSQL, in a transaction).
 */
export async function applyBatch(db: Db, jobs: readonly ClientUpdateJob[], write: BatchWriter, lock = false): Promise<Settled<ClientUpdateOutcome>[]> {
  const state = await BatchState.read(db, jobs, lock);
  const results: Settled<ClientUpdateOutcome>[] = [];
  for (const [i, { ctx, req }] of jobs.entries()) {
    try {
      // Idempotency-Key: a stored (or earlier in this batch) answer instead of running; KeyReused thrown.
      const replayed = state.keys?.replay<ClientUpdateOutcome>(i);
      if (replayed) {
        results.push({ ok: true, value: replayed });
        continue;
      }
      const applied = await applyClientUpdateInScope(state.scope, ctx, req, state.checks[i]);
      state.keys?.answered(i, storedAnswer(applied.response));
      results.push({ ok: true, value: applied.response });
    } catch (err) {
      // Nothing of a failed request was staged: write() is its last step.
      results.push({ ok: false, err });
    }
  }
  await state.flush(write);
  return results;
}

const key = (field: UniqueField, operatorId: number, value: string | number): string => `${field}\u0000${operatorId}\u0000${value}`;
const codeAt = (operatorId: number, code: string): string => `${operatorId}\u0000${codeKey(code)}`;
const distinct = <T>(values: Iterable<T | undefined>): T[] => [...new Set([...values].filter((v): v is T => v !== undefined))];

const UNIQUE = new Set<ProfileField>(UNIQUE_FIELDS);
const isUniqueField = (field: ProfileField): field is UniqueField => UNIQUE.has(field);

/** Whether a participant other than `participantId` is among `ids`. */
function heldByOther(ids: ReadonlySet<number>, participantId: number): boolean {
  for (const id of ids) if (id !== participantId) return true;
  return false;
}

/** The keys of the unique values a participant holds. */
function participantKeys(p: Participant): string[] {
  const keys: string[] = [];
  for (const f of UNIQUE_FIELDS) {
    const k = uniqueKey(f, p[f]);
    if (k !== undefined) keys.push(key(f, p.operatorId, k));
  }
  return keys;
}

/** What a batch read, updated by each request that succeeds, and what it will write. */
class BatchState {
  private readonly holders = new Map<string, Set<number>>();
  /** Per changed participant: how many changes, and which fields they touched. */
  private readonly changes = new Map<number, { count: number; fields: Set<ProfileField> }>();
  private readonly records: ChangeToRecord[] = [];

  private constructor(
    /** checkProfile of each job, in job order. */
    readonly checks: readonly ProfileCheck[],
    /** The jobs' Idempotency-Keys; undefined when none has one (nothing read or written for keys). */
    readonly keys: BatchKeys | undefined,
    private readonly participants: Map<number, Participant>,
    private readonly operators: Set<number>,
    private readonly poses: Map<string, PosRef>,
    private readonly sites: Set<string>,
  ) {}

  static async read(db: Db, jobs: readonly ClientUpdateJob[], lock: boolean): Promise<BatchState> {
    const callerOperators = distinct(jobs.map((j) => j.ctx.principal.operatorId));
    const checks = jobs.map(({ req }) => checkProfile(req));
    const claims: UniqueClaims[] = checks.map((c) => (c.ok ? uniqueClaims(c.values) : {}));
    const ids = distinct(jobs.map((j) => participantOf(j.req)));
    const read = await readParticipants(
      db,
      ids,
      callerOperators,
      Object.fromEntries(UNIQUE_FIELDS.map((f) => [f, distinct(claims.map((c) => uniqueKey(f, c[f])))])),
      lock,
    );
    const operators = await existingOperators(db, distinct(jobs.map((j) => j.req.Operator || undefined)));
    const poses = await posesByCode(db, callerOperators, distinct(jobs.map((j) => trimmed(j.req.PosCode))));
    const sites = await activeSitesByCode(db, callerOperators, distinct(jobs.map((j) => trimmed(j.req.SiteCode))));
    const wanted = new Set(ids);
    const keys = await BatchKeys.read(db, jobs.map((j) => j.ctx.idempotency));
    const state = new BatchState(
      checks,
      keys,
      new Map(read.filter((p) => wanted.has(p.id)).map((p) => [p.id, p])),
      operators,
      new Map(poses.map((p) => [codeAt(p.operatorId, p.code), p])),
      new Set(sites.map((s) => codeAt(s.operatorId, s.code))),
    );
    for (const p of read) for (const k of participantKeys(p)) state.addHolder(k, p.id);
    return state;
  }

  private addHolder(k: string, id: number): void {
    let ids = this.holders.get(k);
    if (!ids) this.holders.set(k, (ids = new Set()));
    ids.add(id);
  }

  readonly scope: UpdateScope = {
    operatorExists: async (id) => this.operators.has(id),
    findPos: async (operatorId, code) => this.poses.get(codeAt(operatorId, code)),
    isActiveSite: async (operatorId, code) => this.sites.has(codeAt(operatorId, code)),
    lockParticipant: async (id) => this.participants.get(id),
    takenByOthers: async (operatorId, participantId, claims) => {
      const taken = new Set<UniqueField>();
      for (const field of UNIQUE_FIELDS) {
        const value = uniqueKey(field, claims[field]);
        if (value === undefined) continue;
        const ids = this.holders.get(key(field, operatorId, value));
        if (ids && heldByOther(ids, participantId)) taken.add(field);
      }
      return taken;
    },
    write: async (ctx, changed) => {
      const { before, changes } = changed;
      const after: Participant = { ...before, version: before.version + 1 };
      const profile: Record<ProfileField, Participant[ProfileField]> = after;
      for (const c of changes) profile[c.field] = c.new;
      // The participant's unique values move in the holders: only those of changed fields
      // (an unchanged value keeps its key, operator included).
      for (const c of changes) {
        if (!isUniqueField(c.field)) continue;
        const was = uniqueKey(c.field, before[c.field]);
        if (was !== undefined) this.holders.get(key(c.field, before.operatorId, was))?.delete(before.id);
        const now = uniqueKey(c.field, after[c.field]);
        if (now !== undefined) this.addHolder(key(c.field, after.operatorId, now), after.id);
      }
      this.participants.set(after.id, after);
      let seen = this.changes.get(after.id);
      if (!seen) this.changes.set(after.id, (seen = { count: 0, fields: new Set<ProfileField>() }));
      seen.count++;
      for (const c of changes) seen.fields.add(c.field);
      this.records.push({ ctx, changed });
    },
  };

  async flush(write: BatchWriter): Promise<void> {
    const writes = [...this.changes].map(([id, { count, fields }]) => {
      const participant = this.participants.get(id)!;
      return { participant, changeCount: count, fields: [...fields], readVersion: participant.version - count };
    });
    const keyRows = this.keys?.rows() ?? [];
    if (writes.length === 0 && keyRows.length === 0) return;
    const now = nowIso();
    await write(writes, changeRows(this.records, now), now, keyRows);
  }
}
