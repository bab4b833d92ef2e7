// The history and consent ledger as the CLI prints them (API field names, typed values).
import type { ConsentRow, HistoryRow } from '../store/history.ts';
import type { FieldRecord } from './history.ts';
import { describeInitiator } from './history.ts';

export interface HistoryEntryView {
  Time: string;
  Initiator: string;
  Manager: string | null;
  Token: number | null;
  PosCode: string | null;
  SiteCode: string | null;
  RequestId: string;
  RemoteAddress: string | null;
  Fields: FieldRecord[];
}

export interface ConsentEntryView {
  Time: string;
  Consent: string;
  Given: boolean;
  Previous: boolean | null;
  Initiator: string;
  Manager: string | null;
  Token: number | null;
  PosCode: string | null;
  SiteCode: string | null;
  RequestId: string;
  RemoteAddress: string | null;
}

type Who = Pick<HistoryRow, 'initiator_kind' | 'manager_login' | 'manager_token' | 'participant_id'>;

function initiatorText(r: Who): string {
  return describeInitiator({ kind: r.initiator_kind, managerLogin: r.manager_login, managerToken: r.manager_token }, r.participant_id);
}

export function historyEntryView(r: HistoryRow): HistoryEntryView {
  return {
    Time: r.changed_at,
    Initiator: initiatorText(r),
    Manager: r.manager_login,
    Token: r.manager_token,
    PosCode: r.pos_code,
    SiteCode: r.site_code,
    RequestId: r.request_id,
    RemoteAddress: r.remote_address,
    Fields: JSON.parse(r.fields) as FieldRecord[],
  };
}

export function consentEntryView(r: ConsentRow): ConsentEntryView {
  return {
    Time: r.changed_at,
    Consent: r.consent,
    Given: r.given,
    Previous: r.previous,
    Initiator: initiatorText(r),
    Manager: r.manager_login,
    Token: r.manager_token,
    PosCode: r.pos_code,
    SiteCode: r.site_code,
    RequestId: r.request_id,
    RemoteAddress: r.remote_address,
  };
}
