// ClientUpdate (spec client-update.md §4, §7): partial, all-or-nothing update of a
// participant's profile. Every rule is checked, in the order of the ErrorCode table, before
// anything is written; the first failing rule answers.
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { Engine, Store } from '../store/db.ts';
import type { RequestOf, ResponseOf } from '../contract/types.ts';
import type { ClientUpdate } from '../contract/client-update.ts';
import { clientUpdate } from '../contract/client-update.ts';
import type { CallContext, Outcome } from './principal.ts';
import { FORBIDDEN } from './principal.ts';
import type { FieldChange, Participant, ProfileChanges } from './participant.ts';
import { profileDiff } from './participant.ts';
import { resultFor } from './results.ts';
import { trimmed } from './text.ts';
import { CONFLICT_CODE, checkProfile, firstConflict } from './profile-rules.ts';
import { findActiveSite, findPos } from '../store/directory.ts';
import { authorizeParticipant } from './authorize.ts';
import { recordChange } from './history.ts';
import { applyChanges, lockParticipant, uniqueViolation } from '../store/participant-updates.ts';

export type ClientUpdateRequest = RequestOf<ClientUpdate>;
export type ClientUpdateResponse = ResponseOf<ClientUpdate>;
export type ClientUpdateOutcome = Outcome<ClientUpdateResponse>;

const fail = (code: number, field?: string): ClientUpdateResponse => resultFor(clientUpdate, code, field);
const OK: ClientUpdateResponse = Object.freeze(resultFor(clientUpdate, 0));

export interface AppliedUpdate {
  response: ClientUpdateOutcome;
  /** The participant before the change and what changed; absent when nothing was written. */
  changed?: { before: Participant; changes: FieldChange[]; operatorId: number; posCode: string | null; siteCode: string | null };
}

/**
 * Runs ClientUpdate in its own transaction. A unique violation raised by the database (a
 * concurrent request claimed the same phone, e-mail or contragent first) answers with the
 * matching ErrorCode: the database is the safety net behind the rules.
 */
export async function updateClient(store: Store, ctx: CallContext, req: ClientUpdateRequest): Promise<ClientUpdateOutcome> {
  try {
    const applied = await store.transact((tx) => applyClientUpdate(tx, store.engine, ctx, req));
    return applied.response;
  } catch (err) {
    const field = uniqueViolation(err);
    if (field) return fail(CONFLICT_CODE[field]);
    throw err;
  }
}

/** The rules and the write, inside a transaction the caller owns. */
export async function applyClientUpdate(
  tx: Transaction<Database>,
  engine: Engine,
  ctx: CallContext,
  req: ClientUpdateRequest,
): Promise<AppliedUpdate> {
  const auth = await authorizeParticipant(tx, ctx.principal, req, (id) => lockParticipant(tx, engine, id));
  if (auth.kind === 'forbidden') return { response: FORBIDDEN };
  if (auth.kind === 'error') return { response: fail(auth.code) };
  const { participant: before, operatorId } = auth;
  const clientId = before.id;

  const posCode = trimmed(req.PosCode);
  const pos = posCode === undefined ? undefined : await findPos(tx, operatorId, posCode);
  if (posCode !== undefined && !pos) return { response: fail(4) };
  const siteCode = trimmed(req.SiteCode);
  if (siteCode !== undefined && !(await findActiveSite(tx, operatorId, siteCode))) return { response: fail(5) };

  const checked = checkProfile(req);
  if (!checked.ok) return { response: fail(checked.code, checked.field) };
  const wanted = checked.values;
  const conflict = await firstConflict(tx, operatorId, clientId, wanted);
  if (conflict !== undefined) return { response: fail(conflict) };

  const changes = profileDiff(before, wanted);
  if (changes.length === 0) return { response: OK };

  await applyChanges(tx, clientId, Object.fromEntries(changes.map((c) => [c.field, c.new])) as ProfileChanges);
  const changed = { before, changes, operatorId, posCode: pos?.code ?? null, siteCode: siteCode ?? null };
  await recordChange(tx, ctx, changed);
  return { response: OK, changed };
}
