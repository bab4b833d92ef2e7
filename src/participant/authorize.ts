// Who may read or change which participant (spec client-update.md §4.5), shared by every
// operation that names a participant (ClientUpdate, ClientHistory): ErrorCode 1, then 3,
// then 403, then 2 — the order of the ErrorCode table.
import type { Participant } from './participant.ts';
import type { Principal } from '../lib/principal.ts';

/** The fields of a request that identify the participant and vouch for the caller. */
export interface ParticipantRef {
  Client?: number;
  Operator?: number;
  Token?: number;
}

export type Authorization =
  | { kind: 'ok'; participant: Participant; operatorId: number }
  /** 1: Client absent or ≤ 0; 3: unknown Operator; 2: no such participant in the operator. */
  | { kind: 'error'; code: 1 | 2 | 3 }
  | { kind: 'forbidden' };

/** The body fields that vouch for the caller, whatever the operation. */
export interface CallerRef {
  Operator?: number;
  Token?: number;
}

/** Whether an operator with this id exists (a query, or a batch's prefetched answer). */
export type OperatorCheck = (id: number) => Promise<boolean>;

export type CallerAuthorization = { kind: 'ok'; operatorId: number } | { kind: 'error'; code: 3 } | { kind: 'forbidden' };

/**
 * The operator the call acts in: body Operator 0/absent = the caller's; an unknown one is
 * ErrorCode 3 (reported before authorization); another operator, or a Token that is not the
 * caller's (a client token has none), is 403. Shared by operations that name no participant
 * (ClientCreate, ClientInfo) and by authorizeParticipant.
 */
export async function authorizeCaller(operatorExists: OperatorCheck, principal: Principal, ref: CallerRef): Promise<CallerAuthorization> {
  const bodyOperator = ref.Operator ? ref.Operator : undefined;
  if (bodyOperator !== undefined && !(await operatorExists(bodyOperator))) return { kind: 'error', code: 3 };
  const operatorId = principal.operatorId;
  if (bodyOperator !== undefined && bodyOperator !== operatorId) return { kind: 'forbidden' };
  if (ref.Token) {
    if (principal.kind !== 'manager' || ref.Token !== principal.token) return { kind: 'forbidden' };
  }
  return { kind: 'ok', operatorId };
}

/**
 * Decides whether `principal` may act on the participant `ref.Client`. `load` reads the
 * participant (ClientUpdate locks the row, readers do not).
 */
export async function authorizeParticipant(
  operatorExists: OperatorCheck,
  principal: Principal,
  ref: ParticipantRef,
  load: (id: number) => Promise<Participant | undefined>,
): Promise<Authorization> {
  const clientId = ref.Client;
  if (clientId === undefined || clientId <= 0) return { kind: 'error', code: 1 };

  const caller = await authorizeCaller(operatorExists, principal, ref);
  if (caller.kind !== 'ok') return caller;
  const { operatorId } = caller;
  if (principal.kind === 'client' && principal.clientId !== clientId) return { kind: 'forbidden' };

  const participant = await load(clientId);
  // A participant of another operator is "not found": never reveal it exists elsewhere.
  if (!participant || participant.operatorId !== operatorId) return { kind: 'error', code: 2 };
  return { kind: 'ok', participant, operatorId };
}
