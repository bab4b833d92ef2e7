// ClientInfo (docs/lifecycle.md): a participant's profile by card number or phone, within
// the caller's operator. A client token learns only about itself: any other answer (someone
// else, or nobody) is 403, so that it cannot probe which cards or phones exist.
import type { Store } from '../db/store.ts';
import type { RequestOf, ResponseOf } from '../contract/types.ts';
import type { ClientInfo } from '../contract/client-info.ts';
import { clientInfo } from '../contract/client-info.ts';
import type { CallContext, Outcome } from '../lib/principal.ts';
import { FORBIDDEN } from '../lib/principal.ts';
import type { Participant } from './participant.ts';
import { resultFor } from './results.ts';
import { operatorCheck } from '../db/directory.ts';
import { authorizeCaller } from './authorize.ts';
import { normalizePhone } from '../lib/phone.ts';
import { findParticipant } from './store/participants.ts';
import { cardOf, participantIdByCard } from './store/cards.ts';
import { participantIdByPhone } from './store/inserts.ts';
import { shownIn } from './fields.ts';

export type ClientInfoRequest = RequestOf<ClientInfo>;
export type ClientInfoResponse = ResponseOf<ClientInfo>;

/** Every member but ErrorCode and Message: null on an error. */
const NO_DATA = Object.fromEntries(clientInfo.response.fields.filter((f) => f.name !== 'ErrorCode' && f.name !== 'Message').map((f) => [f.name, null])) as Omit<
  ClientInfoResponse,
  'ErrorCode' | 'Message'
>;
/** The response's profile members (fields.ts), computed once. */
const MEMBERS = shownIn('clientInfo');

const fail = (code: number): ClientInfoResponse => ({ ...resultFor(clientInfo, code), ...NO_DATA });

export async function readClientInfo(store: Store, ctx: CallContext, req: ClientInfoRequest): Promise<Outcome<ClientInfoResponse>> {
  const { db } = store;
  const { principal } = ctx;
  // Card wins when both are given: it names one participant directly.
  const card = req.Card ? req.Card : undefined;
  const phoneInput = req.Phone ? req.Phone : undefined;
  if (card === undefined && phoneInput === undefined) return fail(18);
  const caller = await authorizeCaller(operatorCheck(db), principal, req);
  if (caller.kind === 'forbidden') return FORBIDDEN;
  if (caller.kind === 'error') return fail(caller.code);
  const { operatorId } = caller;

  let id: number | undefined;
  if (card !== undefined) {
    id = await participantIdByCard(db, operatorId, card);
  } else {
    const phone = normalizePhone(phoneInput!);
    if (phone === undefined) return fail(6);
    id = await participantIdByPhone(db, operatorId, phone);
  }
  if (principal.kind === 'client' && id !== principal.clientId) return FORBIDDEN;
  const participant = id === undefined ? undefined : await findParticipant(db, id);
  if (!participant || participant.operatorId !== operatorId) return fail(2);
  return info(participant, card ?? (await cardOf(db, participant.id)));
}

function info(p: Participant, card: number | null): ClientInfoResponse {
  const out: Record<string, unknown> = { ...resultFor(clientInfo, 0), Card: card, Id: p.id, RegDate: p.createdAt };
  for (const [member, field] of MEMBERS) out[member] = p[field];
  return out as ClientInfoResponse;
}
