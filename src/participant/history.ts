// ClientHistory: a participant's recorded changes, newest first, for whoever may change it
// (the rules of ClientUpdate §4.5, shared through authorizeParticipant).
import type { RequestOf, ResponseOf } from '../contract/types.ts';
import type { ClientHistory } from '../contract/client-history.ts';
import { clientHistory } from '../contract/client-history.ts';
import type { Store } from '../db/store.ts';
import { findParticipant } from './store/participants.ts';
import { listHistory } from './store/history.ts';
import type { CallContext, Outcome } from '../lib/principal.ts';
import { FORBIDDEN } from '../lib/principal.ts';
import { authorizeParticipant } from './authorize.ts';
import { resultFor } from './results.ts';
import { operatorCheck } from '../db/directory.ts';
import { historyEntryView } from './history-views.ts';
import type { ApiValue } from './change-record.ts';
import { pageOf } from './paging.ts';

export type ClientHistoryRequest = RequestOf<ClientHistory>;
export type ClientHistoryResponse = ResponseOf<ClientHistory>;

const fail = (code: number, field?: string): ClientHistoryResponse => ({ ...resultFor(clientHistory, code, field), Changes: [] });

/** The wire declares Old/New as strings (the original's models carried text). */
function text(v: ApiValue): string | null {
  return v === null ? null : String(v);
}

/** The first instant after the calendar day `date` ('YYYY-MM-DD'), UTC. */
function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

export async function readClientHistory(store: Store, ctx: CallContext, req: ClientHistoryRequest): Promise<Outcome<ClientHistoryResponse>> {
  const auth = await authorizeParticipant(operatorCheck(store.db), ctx.principal, req, (id) => findParticipant(store.db, id));
  if (auth.kind === 'forbidden') return FORBIDDEN;
  if (auth.kind === 'error') return fail(auth.code);
  const page = pageOf(req);
  if ('invalid' in page) return fail(13, page.invalid);

  const rows = await listHistory(store.db, auth.participant.id, {
    from: req.From === undefined ? undefined : `${req.From}T00:00:00.000Z`,
    before: req.To === undefined ? undefined : dayAfter(req.To),
    ...page,
  });
  return {
    ...resultFor(clientHistory, 0),
    Changes: rows.map(historyEntryView).map((e) => ({
      Time: e.Time,
      Initiator: e.Initiator,
      PosCode: e.PosCode,
      SiteCode: e.SiteCode,
      Fields: e.Fields.map((f) => ({ Field: f.Field, Old: text(f.Old), New: text(f.New) })),
    })),
  };
}
