// ClientCreate (docs/lifecycle.md): registers a participant in the caller's operator with
// the profile rules of ClientUpdate (checkProfile, firstConflict), links the given card or
// issues one, and records the creation in the history like an update from nothing.
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Store } from '../db/store.ts';
import type { RequestOf, ResponseOf } from '../contract/types.ts';
import type { ClientCreate } from '../contract/client-create.ts';
import { clientCreate } from '../contract/client-create.ts';
import type { CallContext, Outcome } from '../lib/principal.ts';
import { FORBIDDEN, isForbidden } from '../lib/principal.ts';
import { blankParticipant } from './participant.ts';
import { resultFor } from './results.ts';
import { trimmed } from '../lib/text.ts';
import { checkProfile, firstConflict, profileDiff } from './rules.ts';
import { authorizeCaller } from './authorize.ts';
import { recordChange } from './change-record.ts';
import { isAcceptableCardNumber, randomCardNumber } from './card-number.ts';
import { findActiveSite, findPos, partnerOperator, operatorCheck } from '../db/directory.ts';
import { findCard, insertCardIfAbsent, linkFreeCard } from './store/cards.ts';
import { insertParticipant } from './store/inserts.ts';
import { clashedUniqueField } from './store/updates.ts';
import { nowIso } from '../db/convert.ts';
import { transactWithKey } from '../idempotency/replay.ts';

export type ClientCreateRequest = RequestOf<ClientCreate>;
export type ClientCreateResponse = ResponseOf<ClientCreate>;
export type ClientCreateOutcome = Outcome<ClientCreateResponse>;

const fail = (code: number, field?: string): ClientCreateResponse => ({ ...resultFor(clientCreate, code, field), Phone: 0, Card: 0, Client: 0 });

/** Random card numbers drawn before giving up; a collision among 10^11 numbers is rare. */
const CARD_DRAWS = 20;

/** Thrown inside the transaction to roll the new participant back when its card was taken meanwhile. */
class CardTaken extends Error {}

/** More work in the creation's transaction once the participant exists (ClientSetPassword: a confirmation code). */
export type AfterCreate = (tx: Transaction<Database>, created: { operatorId: number; phone: number; client: number }) => Promise<void>;

/**
 * Runs ClientCreate in its own transaction. A unique violation raised by the database (a
 * concurrent request claimed the same phone or e-mail first) answers with its ErrorCode.
 * With an Idempotency-Key, its answer is stored in the same transaction (transactWithKey).
 * `after` runs in the same transaction after a successful creation; what it throws rolls
 * the creation back.
 */
export async function createClient(store: Store, ctx: CallContext, req: ClientCreateRequest, after?: AfterCreate): Promise<ClientCreateOutcome> {
  const work = async (tx: Transaction<Database>): Promise<ClientCreateOutcome> => {
    const outcome = await applyClientCreate(tx, ctx, req);
    if (after && !isForbidden(outcome) && outcome.ErrorCode === 0) await after(tx, { operatorId: ctx.principal.operatorId, phone: outcome.Phone, client: outcome.Client });
    return outcome;
  };
  return transactWithKey(store, ctx.idempotency, work, storedAnswer, (err) => {
    if (err instanceof CardTaken) return fail(15);
    const field = clashedUniqueField(err);
    if (field === 'phone') return fail(7);
    if (field === 'email') return fail(9);
    return undefined;
  });
}

/** What an Idempotency-Key stores of an outcome: every answer but a 403. */
const storedAnswer = (o: ClientCreateOutcome): ClientCreateResponse | undefined => (isForbidden(o) ? undefined : o);

/** The rules and the writes, inside a transaction the caller owns. */
export async function applyClientCreate(tx: Transaction<Database>, ctx: CallContext, req: ClientCreateRequest): Promise<ClientCreateOutcome> {
  const { principal } = ctx;
  if (req.Phone === undefined || req.Phone === 0) return fail(14);
  const caller = await authorizeCaller(operatorCheck(tx), principal, req);
  if (caller.kind === 'forbidden') return FORBIDDEN;
  if (caller.kind === 'error') return fail(caller.code);
  // A participant's own token registers no one.
  if (principal.kind === 'client') return FORBIDDEN;
  const { operatorId } = caller;

  const posCode = trimmed(req.PosCode);
  const pos = posCode === undefined ? undefined : await findPos(tx, operatorId, posCode);
  if (posCode !== undefined && !pos) return fail(4);
  const siteCode = trimmed(req.SiteCode);
  if (siteCode !== undefined && !(await findActiveSite(tx, operatorId, siteCode))) return fail(5);
  if (req.Partner && (await partnerOperator(tx, req.Partner)) !== operatorId) return fail(16);

  const checked = checkProfile(req);
  if (!checked.ok) return fail(checked.code, checked.field);
  const values = checked.values;
  const givenCard = req.Card ? req.Card : undefined;
  if (givenCard !== undefined && !isAcceptableCardNumber(givenCard)) return fail(17);
  const conflict = await firstConflict(tx, operatorId, 0, values);
  if (conflict !== undefined) return fail(conflict);
  const existingCard = givenCard === undefined ? undefined : await findCard(tx, givenCard);
  // A card of another operator is "taken" too: never reveal where it belongs.
  if (existingCard && (existingCard.operatorId !== operatorId || existingCard.participantId !== null)) return fail(15);

  const at = nowIso();
  const id = await insertParticipant(tx, { operatorId, values, at });
  const card = await attachCard(tx, operatorId, id, givenCard, existingCard !== undefined);

  const before = blankParticipant(id, operatorId, at);
  await recordChange(tx, ctx, { before, changes: profileDiff(before, values), operatorId, posCode: pos?.code ?? null, siteCode: siteCode ?? null });
  return { ...resultFor(clientCreate, 0), Phone: values.phone ?? 0, Card: card, Client: id };
}

/** Links the given card (an existing free one of the operator, or a new number) or issues one. */
async function attachCard(tx: Transaction<Database>, operatorId: number, participantId: number, given: number | undefined, exists: boolean): Promise<number> {
  if (given !== undefined) {
    const ok = exists
      ? await linkFreeCard(tx, { number: given, operatorId, participantId })
      : await insertCardIfAbsent(tx, { number: given, operatorId, participantId });
    if (!ok) throw new CardTaken();
    return given;
  }
  for (let i = 0; i < CARD_DRAWS; i++) {
    const number = randomCardNumber();
    if (await insertCardIfAbsent(tx, { number, operatorId, participantId })) return number;
  }
  throw new Error(`no free card number after ${CARD_DRAWS} draws`);
}
