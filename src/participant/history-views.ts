// The history and consent ledger as the CLI prints them (API field names, typed values).
import type { ConsentRow, HistoryRow } from './store/history.ts';
import type { ChangeContextColumns } from '../db/history-schema.ts';
import type { FieldRecord } from './change-record.ts';
import { describeInitiator } from './change-record.ts';

/** Who made a change and through what: the same on history and ledger entries. */
export interface ChangeContextView {
  Initiator: string;
  Manager: string | null;
  Token: number | null;
  PosCode: string | null;
  SiteCode: string | null;
  RequestId: string;
  RemoteAddress: string | null;
}

export type HistoryEntryView = { Time: string } & ChangeContextView & { Fields: FieldRecord[] };

export type ConsentEntryView = { Time: string; Consent: string; Given: boolean; Previous: boolean | null } & ChangeContextView;

function contextView(r: ChangeContextColumns & { participant_id: number }): ChangeContextView {
  return {
    Initiator: describeInitiator({ kind: r.initiator_kind, managerLogin: r.manager_login, managerToken: r.manager_token }, r.participant_id),
    Manager: r.manager_login,
    Token: r.manager_token,
    PosCode: r.pos_code,
    SiteCode: r.site_code,
    RequestId: r.request_id,
    RemoteAddress: r.remote_address,
  };
}

export function historyEntryView(r: HistoryRow): HistoryEntryView {
  return { Time: r.changed_at, ...contextView(r), Fields: JSON.parse(r.fields) as FieldRecord[] };
}

export function consentEntryView(r: ConsentRow): ConsentEntryView {
  return { Time: r.changed_at, Consent: r.consent, Given: r.given, Previous: r.previous, ...contextView(r) };
}
