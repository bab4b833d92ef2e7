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

export type ClientInfoRequest = RequestOf<ClientInfo>;
export type ClientInfoResponse = ResponseOf<ClientInfo>;

const NO_DATA = {
  Card: null,
  Phone: null,
  Surname: null,
  Name: null,
  Patronymic: null,
  Email: null,
  Birthdate: null,
  AllowSms: null,
  AllowEmail: null,
  Gender: null,
  Id: null,
  RegDate: null,
  AllowEmailOnlineCheque: null,
  ContragentId: null,
} as const;

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
  return {
    ...resultFor(clientInfo, 0),
    Card: card,
    Phone: p.phone,
    Surname: p.surname,
    Name: p.name,
    Patronymic: p.patronymic,
    Email: p.email,
    Birthdate: p.birthdate,
    AllowSms: p.allowSms,
    AllowEmail: p.allowEmail,
    Gender: p.gender,
    Id: p.id,
    RegDate: p.createdAt,
    AllowEmailOnlineCheque: p.allowEmailOnlineCheque,
    ContragentId: p.contragentId,
  };
}
