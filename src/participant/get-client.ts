// GetClient (docs/lifecycle.md): a participant's profile by id, under the authorization
// rules of ClientUpdate (operator scoping; a client token reads only itself).
import type { Store } from '../db/store.ts';
import type { RequestOf, ResponseOf } from '../contract/types.ts';
import type { GetClient } from '../contract/get-client.ts';
import { getClient } from '../contract/get-client.ts';
import type { CallContext, Outcome } from '../lib/principal.ts';
import { FORBIDDEN } from '../lib/principal.ts';
import type { Participant } from './participant.ts';
import { resultFor } from './results.ts';
import { operatorCheck } from '../db/directory.ts';
import { authorizeParticipant } from './authorize.ts';
import { findParticipant } from './store/participants.ts';
import { shownIn } from './fields.ts';

export type GetClientRequest = RequestOf<GetClient>;
export type GetClientResponse = ResponseOf<GetClient>;
export type ClientData = NonNullable<GetClientResponse['ClientData']>;

export async function readClient(store: Store, ctx: CallContext, req: GetClientRequest): Promise<Outcome<GetClientResponse>> {
  const auth = await authorizeParticipant(operatorCheck(store.db), ctx.principal, { Client: req.ClientID, Operator: req.OperatorId }, (id) => findParticipant(store.db, id));
  if (auth.kind === 'forbidden') return FORBIDDEN;
  if (auth.kind === 'error') return { ...resultFor(getClient, auth.code), ClientData: null };
  return { ...resultFor(getClient, 0), ClientData: clientData(auth.participant) };
}

/** ClientData's profile members (fields.ts), computed once. */
const MEMBERS = shownIn('getClient');

export function clientData(p: Participant): ClientData {
  const data: Record<string, unknown> = { id: p.id };
  for (const [member, field] of MEMBERS) data[member] = p[field];
  data.regdate = p.createdAt;
  return data as ClientData;
}
