// ClientConsents: the current state of each consent, and a page of the ledger of its
// changes with their source, newest first; authorized as ClientHistory is.
import type { RequestOf, ResponseOf } from '../contract/types.ts';
import type { ClientConsents } from '../contract/client-consents.ts';
import { clientConsents } from '../contract/client-consents.ts';
import type { Store } from '../db/store.ts';
import type { CallContext, Outcome } from '../lib/principal.ts';
import { FORBIDDEN } from '../lib/principal.ts';
import { authorizeParticipant } from './authorize.ts';
import { resultFor } from './results.ts';
import { API_NAMES } from './participant.ts';
import type { ProfileField } from './participant.ts';
import { CONSENT_FIELDS, shownIn } from './fields.ts';
import { consentEntryView } from './history-views.ts';
import { operatorCheck } from '../db/directory.ts';
import { findParticipant } from './store/participants.ts';
import { pageOf } from './paging.ts';
import { listConsents } from './store/history.ts';

export type ClientConsentsRequest = RequestOf<ClientConsents>;
export type ClientConsentsResponse = ResponseOf<ClientConsents>;

/**
 * The consents whose current state is shown: those ClientInfo shows (AgreePersonalData,
 * given at registration only, is not; its ledger rows are among the changes).
 */
const SHOWN: readonly ProfileField[] = CONSENT_FIELDS.filter((f) => shownIn('clientInfo').some(([, shown]) => shown === f));

const fail = (code: number, field?: string): ClientConsentsResponse => ({ ...resultFor(clientConsents, code, field), Consents: [], Changes: [] });

export async function readClientConsents(store: Store, ctx: CallContext, req: ClientConsentsRequest): Promise<Outcome<ClientConsentsResponse>> {
  const auth = await authorizeParticipant(operatorCheck(store.db), ctx.principal, req, (id) => findParticipant(store.db, id));
  if (auth.kind === 'forbidden') return FORBIDDEN;
  if (auth.kind === 'error') return fail(auth.code);
  const page = pageOf(req);
  if ('invalid' in page) return fail(13, page.invalid);
  const p = auth.participant;
  const rows = await listConsents(store.db, p.id, page);
  return {
    ...resultFor(clientConsents, 0),
    Consents: SHOWN.map((f) => ({ Consent: API_NAMES[f], Given: p[f] as boolean | null })),
    Changes: rows.map(consentEntryView).map((e) => ({
      Time: e.Time,
      Consent: e.Consent,
      Given: e.Given,
      Previous: e.Previous,
      Initiator: e.Initiator,
      PosCode: e.PosCode,
      SiteCode: e.SiteCode,
    })),
  };
}
