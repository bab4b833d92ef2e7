// GetConfirmCode (docs/participant-sign-in.md): a 6-digit code for a phone, stored only as
// a keyed hash, valid 10 minutes for 5 tries, and sent — sealed in the code outbox — to
// the operator's webhooks subscribed to `participant.confirmation_code` (its SMS gateway).
// The answer is the same whether or not the phone belongs to a participant, and so is the
// work: the limits are counted, a code is made, hashed, sealed and stored either way; for
// an unknown phone no webhook is found, so nothing is sent.
import type { Transaction } from 'kysely';
import type { Config } from '../config.ts';
import type { Store } from '../db/store.ts';
import type { Database } from '../db/schema.ts';
import type { Db } from '../db/directory.ts';
import { operatorExists } from '../db/directory.ts';
import type { RequestOf, ResponseOf } from '../contract/types.ts';
import type { GetConfirmCode } from '../contract/get-confirm-code.ts';
import { getConfirmCode } from '../contract/get-confirm-code.ts';
import { resultFor } from '../participant/results.ts';
import { normalizePhone } from '../lib/phone.ts';
import { newEventId } from '../lib/event-id.ts';
import { CONFIRMATION_CODE_EVENT } from '../db/webhook-events.ts';
import type { CodeKeys } from './code-keys.ts';
import { codeHash, newCode, seal } from './code-keys.ts';
import { codeRequestLimits, spendLimits } from './rate-limits.ts';
import type { Limit } from './rate-limits.ts';
import { deleteExpiredCodes, saveCode } from './store/confirm-codes.ts';
import { codeRecipients, deleteExpiredCodeMessages, enqueueCodeMessages } from './store/code-messages.ts';
import { deleteStaleCounters } from './store/rate-counters.ts';

export const CODE_TTL_MS = 10 * 60_000;
export const CODE_TRIES = 5;

export interface CodeDeps {
  config: Pick<Config, 'codeLimitPerAddressHour' | 'codeLimitPerOperatorDay'>;
  store: Store;
  keys: CodeKeys;
  /** The time; injectable so that tests can let a code expire without waiting. */
  clock: () => Date;
}

/** What the domain knows about an anonymous call. */
export interface RequestMeta {
  requestId: string;
  remoteAddress: string;
}

export interface CodeTarget {
  operatorId: number;
  phone: number;
}

/** The body of the `participant.confirmation_code` webhook event. */
export interface ConfirmationCodeEvent {
  EventId: string;
  Type: typeof CONFIRMATION_CODE_EVENT;
  Time: string;
  Operator: number;
  Phone: number;
  Code: string;
  ExpiresAt: string;
}

/** The checks shared by GetConfirmCode and SetClientPassword, in their ErrorCode order: 19, 3, 14, 6. */
export async function checkTarget(db: Db, req: { Operator?: number; Phone?: number }): Promise<CodeTarget | 19 | 3 | 14 | 6> {
  if (!req.Operator) return 19;
  if (!(await operatorExists(db, req.Operator))) return 3;
  if (!req.Phone) return 14;
  const phone = normalizePhone(req.Phone);
  if (phone === undefined) return 6;
  return { operatorId: req.Operator, phone };
}

/** Makes and stores a code for the target (replacing its previous one); the code in clear, for the caller to deliver. */
export async function storeCode(tx: Db, keys: CodeKeys, target: CodeTarget, now: Date): Promise<{ code: string; expiresAt: Date }> {
  const code = newCode();
  const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
  await saveCode(tx, { ...target, codeHash: codeHash(keys, target.operatorId, target.phone, code), tries: CODE_TRIES, expiresAt, now });
  return { code, expiresAt };
}

/**
 * Counts the request against `limits` (RateLimited rolls the transaction back), stores a new
 * code and queues its message for the subscribed webhooks, in the caller's transaction.
 */
export async function issueCode(tx: Transaction<Database>, deps: CodeDeps, target: CodeTarget, limits: readonly Limit[]): Promise<void> {
  const now = deps.clock();
  await spendLimits(tx, limits, now);
  const { code, expiresAt } = await storeCode(tx, deps.keys, target, now);
  const event: ConfirmationCodeEvent = {
    EventId: newEventId(now.getTime()),
    Type: CONFIRMATION_CODE_EVENT,
    Time: now.toISOString(),
    Operator: target.operatorId,
    Phone: target.phone,
    Code: code,
    ExpiresAt: expiresAt.toISOString(),
  };
  // Sealed whether or not anyone receives it: the same work for a known and an unknown phone.
  const sealed = seal(deps.keys, JSON.stringify(event));
  const webhookIds = await codeRecipients(tx, target.operatorId, target.phone);
  await enqueueCodeMessages(tx, { eventId: event.EventId, webhookIds, sealed, expiresAt });
}

/** Expired codes, stale counters and undelivered messages of expired codes go. */
export async function cleanUpCodes(db: Db, now: Date): Promise<void> {
  await deleteExpiredCodes(db, now);
  await deleteStaleCounters(db, now);
  await deleteExpiredCodeMessages(db, now);
}

export type GetConfirmCodeResponse = ResponseOf<GetConfirmCode>;

export async function requestConfirmCode(deps: CodeDeps, req: RequestOf<GetConfirmCode>, meta: RequestMeta): Promise<GetConfirmCodeResponse> {
  const target = await checkTarget(deps.store.db, req);
  if (typeof target === 'number') return resultFor(getConfirmCode, target);
  const limits = codeRequestLimits(deps.config, { ...target, address: meta.remoteAddress });
  await deps.store.transact((tx) => issueCode(tx, deps, target, limits));
  await cleanUpCodes(deps.store.db, deps.clock());
  return resultFor(getConfirmCode, 0);
}
