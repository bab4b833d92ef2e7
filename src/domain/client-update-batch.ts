// Group commit of ClientUpdate on PostgreSQL, where the cost is round trips rather than CPU
// (spec design.md, Durability): the requests that arrive together are read with one query
// per table (their participants locked in id order, every owner of a unique value they
// claim), checked by the same rules as a single request (applyClientUpdate, over a scope
// that answers from what was read and sees the earlier requests of the batch), written with
// one UPDATE … FROM unnest and one insert per history table, and committed once; only then
// is anyone answered. If the database refuses the batch for a conflict the reads could not
// foresee (another process claimed a phone meanwhile, a deadlock), the batch is rolled back
// and its requests run again one by one, each in its own transaction.
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Store } from '../store/db.ts';
import type { PosRef } from '../store/directory.ts';
import { BatchQueue } from '../store/batch-queue.ts';
import type { Settled } from '../store/batch-queue.ts';
import { codeKey, emailKey, nowIso } from '../store/convert.ts';
import type { UniqueClaims, UniqueField } from '../store/participant-updates.ts';
import { uniqueViolation } from '../store/participant-updates.ts';
import { activeSitesByCode, existingOperators, lockParticipants, posesByCode, uniqueHolders, writeParticipants } from '../store/participant-batch.ts';
import type { CallContext } from './principal.ts';
import type { Participant } from './participant.ts';
import type { ChangeToRecord } from './history.ts';
import { recordChanges } from './history.ts';
import { checkProfile, uniqueClaims } from './profile-rules.ts';
import { trimmed } from './text.ts';
import type { UpdateScope } from './update-scope.ts';
import { applyClientUpdate, updateClient } from './client-update.ts';
import type { ClientUpdateOutcome, ClientUpdateRequest } from './client-update.ts';

export interface ClientUpdateJob {
  ctx: CallContext;
  req: ClientUpdateRequest;
}

export interface ClientUpdates {
  update(ctx: CallContext, req: ClientUpdateRequest): Promise<ClientUpdateOutcome>;
  /** Resolves when every submitted update has been answered. */
  idle(): Promise<void>;
}

/**
 * ClientUpdate for the app: batched on PostgreSQL; on SQLite each request runs the rules
 * on the connection and the store group-commits the transactions.
 */
export function clientUpdates(store: Store): ClientUpdates {
  if (store.engine !== 'postgres') {
    return { update: (ctx, req) => updateClient(store, ctx, req), idle: async () => {} };
  }
  const queue = new BatchQueue<ClientUpdateJob, ClientUpdateOutcome>((jobs) => runBatch(store, jobs), store.groupCommit);
  return { update: (ctx, req) => queue.submit({ ctx, req }), idle: () => queue.idle() };
}

const RETRY_ONE_BY_ONE = new Set(['40P01', '40001']);

async function runBatch(store: Store, jobs: ClientUpdateJob[]): Promise<Settled<ClientUpdateOutcome>[]> {
  try {
    return await store.db.transaction().execute((tx) => applyBatch(tx, jobs));
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (!uniqueViolation(err) && !(code && RETRY_ONE_BY_ONE.has(code))) throw err;
  }
  const out: Settled<ClientUpdateOutcome>[] = [];
  for (const { ctx, req } of jobs) {
    try {
      out.push({ ok: true, value: await updateClient(store, ctx, req) });
    } catch (err) {
      out.push({ ok: false, err });
    }
  }
  return out;
}

/** Reads, rules and writes of one batch inside `tx`; the caller commits. */
export async function applyBatch(tx: Transaction<Database>, jobs: readonly ClientUpdateJob[]): Promise<Settled<ClientUpdateOutcome>[]> {
  const state = await BatchState.read(tx, jobs);
  const results: Settled<ClientUpdateOutcome>[] = [];
  for (const { ctx, req } of jobs) {
    try {
      const applied = await applyClientUpdate(state.scope, ctx, req);
      results.push({ ok: true, value: applied.response });
    } catch (err) {
      // Nothing of a failed request was staged: write() is its last step.
      results.push({ ok: false, err });
    }
  }
  await state.flush(tx);
  return results;
}

const key = (field: UniqueField, operatorId: number, value: string | number): string => `${field}\u0000${operatorId}\u0000${value}`;
const codeAt = (operatorId: number, code: string): string => `${operatorId}\u0000${codeKey(code)}`;
const distinct = <T>(values: Iterable<T | undefined>): T[] => [...new Set([...values].filter((v): v is T => v !== undefined))];

/** Holders of each unique value, keyed by field, operator and value. */
function uniqueKeys(p: { operatorId: number; phone: number | null; emailKey: string | null; contragentId: string | null }): string[] {
  const keys: string[] = [];
  if (p.phone !== null) keys.push(key('phone', p.operatorId, p.phone));
  if (p.emailKey !== null) keys.push(key('email', p.operatorId, p.emailKey));
  if (p.contragentId !== null) keys.push(key('contragentId', p.operatorId, p.contragentId));
  return keys;
}

const participantKeys = (p: Participant): string[] =>
  uniqueKeys({ operatorId: p.operatorId, phone: p.phone, emailKey: p.email ? emailKey(p.email) : null, contragentId: p.contragentId });

/** What a batch read, updated by each request that succeeds, and what it will write. */
class BatchState {
  private readonly holders = new Map<string, Set<number>>();
  private readonly changes = new Map<number, number>();
  private readonly records: ChangeToRecord[] = [];

  private constructor(
    private readonly participants: Map<number, Participant>,
    private readonly operators: Set<number>,
    private readonly poses: Map<string, PosRef>,
    private readonly sites: Set<string>,
  ) {}

  static async read(tx: Transaction<Database>, jobs: readonly ClientUpdateJob[]): Promise<BatchState> {
    const callerOperators = distinct(jobs.map((j) => j.ctx.principal.operatorId));
    const claims: UniqueClaims[] = jobs.map(({ req }) => {
      const checked = checkProfile(req);
      return checked.ok ? uniqueClaims(checked.values) : {};
    });
    const posCodes = distinct(jobs.map((j) => trimmed(j.req.PosCode)));
    const siteCodes = distinct(jobs.map((j) => trimmed(j.req.SiteCode)));
    const locked = await lockParticipants(tx, distinct(jobs.map((j) => (j.req.Client !== undefined && j.req.Client > 0 ? j.req.Client : undefined))));
    const operators = await existingOperators(tx, distinct(jobs.map((j) => j.req.Operator || undefined)));
    const poses = await posesByCode(tx, callerOperators, posCodes);
    const sites = await activeSitesByCode(tx, callerOperators, siteCodes);
    const holders = await uniqueHolders(tx, callerOperators, {
      phones: distinct(claims.map((c) => c.phone)),
      emailKeys: distinct(claims.map((c) => (c.email === undefined ? undefined : emailKey(c.email)))),
      contragentIds: distinct(claims.map((c) => c.contragentId)),
    });
    const state = new BatchState(
      new Map(locked.map((p) => [p.id, p])),
      operators,
      new Map(poses.map((p) => [codeAt(p.operatorId, p.code), p])),
      new Set(sites.map((s) => codeAt(s.operatorId, s.code))),
    );
    for (const h of holders) for (const k of uniqueKeys(h)) state.hold(k, h.id);
    for (const p of locked) for (const k of participantKeys(p)) state.hold(k, p.id);
    return state;
  }

  private hold(k: string, id: number): void {
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
      const check = (field: UniqueField, value: string | number | undefined) => {
        const ids = value === undefined ? undefined : this.holders.get(key(field, operatorId, value));
        if (ids && [...ids].some((id) => id !== participantId)) taken.add(field);
      };
      check('phone', claims.phone);
      check('email', claims.email === undefined ? undefined : emailKey(claims.email));
      check('contragentId', claims.contragentId);
      return taken;
    },
    write: async (ctx, changed) => {
      const before = changed.before;
      const after: Participant = { ...before, ...Object.fromEntries(changed.changes.map((c) => [c.field, c.new])), version: before.version + 1 };
      for (const k of participantKeys(before)) this.holders.get(k)?.delete(before.id);
      for (const k of participantKeys(after)) this.hold(k, after.id);
      this.participants.set(after.id, after);
      this.changes.set(after.id, (this.changes.get(after.id) ?? 0) + 1);
      this.records.push({ ctx, changed });
    },
  };

  async flush(tx: Transaction<Database>): Promise<void> {
    const writes = [...this.changes].map(([id, changes]) => ({ participant: this.participants.get(id)!, changes }));
    await writeParticipants(tx, writes, nowIso());
    await recordChanges(tx, this.records);
  }
}
