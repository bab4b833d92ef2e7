// ClientUpdate (spec client-update.md §4, §7): partial, all-or-nothing update of a
// participant's profile. Every rule is checked, in the order of the ErrorCode table, before
// anything is written; the first failing rule answers.
import type { RequestOf, ResponseOf } from '../../contract/types.ts';
import type { ClientUpdate } from '../../contract/client-update.ts';
import { clientUpdate } from '../../contract/client-update.ts';
import type { CallContext, Outcome } from '../../lib/principal.ts';
import { FORBIDDEN, isForbidden } from '../../lib/principal.ts';
import type { RecordedChange } from '../change-record.ts';
import { resultFor } from '../results.ts';
import { trimmed } from '../../lib/text.ts';
import { checkProfile, conflictCode, profileDiff, uniqueClaims } from '../rules.ts';
import type { ProfileCheck } from '../rules.ts';
import { authorizeParticipant } from '../authorize.ts';
import type { UpdateScope } from './update-scope.ts';

export type ClientUpdateRequest = RequestOf<ClientUpdate>;
export type ClientUpdateResponse = ResponseOf<ClientUpdate>;
export type ClientUpdateOutcome = Outcome<ClientUpdateResponse>;

export const fail = (code: number, field?: string): ClientUpdateResponse => resultFor(clientUpdate, code, field);
const OK: ClientUpdateResponse = Object.freeze(resultFor(clientUpdate, 0));

export interface AppliedUpdate {
  response: ClientUpdateOutcome;
  /** The participant before the change and what changed; absent when nothing was written. */
  changed?: RecordedChange;
}

/**
/** What an Idempotency-Key stores of an outcome: every answer but a 403. */
export const storedAnswer = (o: ClientUpdateOutcome): ClientUpdateResponse | undefined => (isForbidden(o) ? undefined : o);

/**
 * The rules, in the order of the ErrorCode table, then the write — all through `scope`.
 * `checked` is checkProfile(req), passed in by a batch that already computed it.
 */
export async function applyClientUpdateInScope(scope: UpdateScope, ctx: CallContext, req: ClientUpdateRequest, checked: ProfileCheck = checkProfile(req)): Promise<AppliedUpdate> {
  const auth = await authorizeParticipant((id) => scope.operatorExists(id), ctx.principal, req, (id) => scope.lockParticipant(id));
  if (auth.kind === 'forbidden') return { response: FORBIDDEN };
  if (auth.kind === 'error') return { response: fail(auth.code) };
  const { participant: before, operatorId } = auth;

  const posCode = trimmed(req.PosCode);
  const pos = posCode === undefined ? undefined : await scope.findPos(operatorId, posCode);
  if (posCode !== undefined && !pos) return { response: fail(4) };
  const siteCode = trimmed(req.SiteCode);
  if (siteCode !== undefined && !(await scope.isActiveSite(operatorId, siteCode))) return { response: fail(5) };

  if (!checked.ok) return { response: fail(checked.code, checked.field) };
  const wanted = checked.values;
  const conflict = conflictCode(await scope.takenByOthers(operatorId, before.id, uniqueClaims(wanted)));
  if (conflict !== undefined) return { response: fail(conflict) };

  const changes = profileDiff(before, wanted);
  if (changes.length === 0) return { response: OK };

  const changed = { before, changes, operatorId, posCode: pos?.code ?? null, siteCode: siteCode ?? null };
  await scope.write(ctx, changed);
  return { response: OK, changed };
}
