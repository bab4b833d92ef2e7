// Who changed what (spec client-update.md §4.6). Every successful ClientUpdate writes, in
// the transaction of the change: one history row, one consent-ledger row per changed consent, and one
// change event (the outbox the webhook dispatcher delivers from). Nothing is written when
// nothing changed. Only profile fields are ever recorded, so passwords never are.
import { newEventId } from '../lib/event-id.ts';
import type { Db } from '../db/directory.ts';
import type { FieldChange, Participant } from './participant.ts';
import type { CallContext, Principal } from '../lib/principal.ts';
import type { ProfileField } from './fields.ts';
import { API_NAMES, CONSENT_FIELDS, FIELDS, PROFILE_FIELDS } from './fields.ts';
import type { InitiatorKind } from '../db/history-schema.ts';
import type { ChangeRows } from './store/history.ts';
import { insertChangeRows } from './store/history.ts';
import { nowIso } from '../db/convert.ts';

/** A value as the API writes it: Birthdate 'YYYY-MM-DDT00:00:00', Phone a number, consents booleans. */
export type ApiValue = string | number | boolean | null;

export interface FieldRecord {
  Field: string;
  Old: ApiValue;
  New: ApiValue;
}

/** A change written: the participant before it, what changed, and where it was made. */
export interface RecordedChange {
  before: Participant;
  changes: FieldChange[];
  operatorId: number;
  posCode: string | null;
  siteCode: string | null;
}

export { CONSENT_FIELDS } from './fields.ts';

const IS_CONSENT: Readonly<Record<ProfileField, boolean>> = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, CONSENT_FIELDS.includes(f)])) as Record<ProfileField, boolean>;
const IS_DATE: Readonly<Record<ProfileField, boolean>> = Object.fromEntries(PROFILE_FIELDS.map((f) => [f, FIELDS[f].kind === 'date'])) as Record<ProfileField, boolean>;

export function apiValue(field: ProfileField, value: FieldChange['old']): ApiValue {
  if (value === null) return null;
  if (IS_DATE[field] && typeof value === 'string') return `${value}T00:00:00`;
  return value;
}

export function fieldRecords(changes: readonly FieldChange[]): FieldRecord[] {
  return changes.map((c) => ({ Field: API_NAMES[c.field], Old: apiValue(c.field, c.old), New: apiValue(c.field, c.new) }));
}

export interface Initiator {
  kind: InitiatorKind;
  managerLogin: string | null;
  managerToken: number | null;
}

export function initiatorOf(principal: Principal): Initiator {
  return principal.kind === 'manager'
    ? { kind: 'manager', managerLogin: principal.login, managerToken: principal.token }
    : { kind: 'client', managerLogin: null, managerToken: null };
}

/** 'manager cashier (token 5001)' or 'client 1': the Initiator of ClientHistory and the CLI. */
export function describeInitiator(i: Initiator, participantId: number): string {
  return i.kind === 'manager' ? `manager ${i.managerLogin ?? '?'} (token ${i.managerToken ?? '?'})` : `client ${participantId}`;
}

/** The JSON body a webhook receives (also what `lcm webhook events` shows). */
export interface ChangeEventPayload {
  EventId: string;
  Time: string;
  Client: number;
  Operator: number;
  /** The participant's ContragentId after the change. */
  ContragentId: string | null;
  Changes: FieldRecord[];
}

/** A change to record, with the call that made it. */
export interface ChangeToRecord {
  ctx: CallContext;
  changed: RecordedChange;
}

/** Writes the history, ledger and outbox rows of one change, inside the change's transaction. */
export function recordChange(tx: Db, ctx: CallContext, changed: RecordedChange): Promise<void> {
  return recordChanges(tx, [{ ctx, changed }]);
}

/**
 * Writes the history, ledger and outbox rows of several changes (a group-committed batch)
 * with one statement per table whatever their number, in the given order.
 */
export async function recordChanges(tx: Db, items: readonly ChangeToRecord[]): Promise<void> {
  if (items.length === 0) return;
  await insertChangeRows(tx, changeRows(items, nowIso()));
}

/**
 * JSON.stringify(payload) of a change event, its Changes given as their JSON text (the
 * history row's `fields`), so that a change's field records are written out once, not
 * twice. The members in ChangeEventPayload's order, each value as JSON.stringify writes it.
 */
export function payloadJson(p: Omit<ChangeEventPayload, 'Changes'>, changesJson: string): string {
  return `{"EventId":${JSON.stringify(p.EventId)},"Time":${JSON.stringify(p.Time)},"Client":${JSON.stringify(p.Client)},"Operator":${JSON.stringify(p.Operator)},"ContragentId":${JSON.stringify(p.ContragentId)},"Changes":${changesJson}}`;
}

export function changeRows(items: readonly ChangeToRecord[], time: string): ChangeRows {
  const out: ChangeRows = { histories: [], consents: [], events: [] };
  // Per item, how many later items change the same participant (the ledger's link, see ChangeRows).
  const later = new Array<number>(items.length);
  const seen = new Map<number, number>();
  for (let i = items.length - 1; i >= 0; i--) {
    const id = items[i]!.changed.before.id;
    later[i] = seen.get(id) ?? 0;
    seen.set(id, later[i]! + 1);
  }
  for (let i = 0; i < items.length; i++) {
    const { ctx, changed } = items[i]!;
    const initiator = initiatorOf(ctx.principal);
    const participantId = changed.before.id;
    const operatorId = changed.operatorId;
    const remoteAddress = ctx.remoteAddress || null;
    const fields = JSON.stringify(fieldRecords(changed.changes));
    // The columns a change's history row and its ledger rows share.
    const context = {
      participant_id: participantId,
      operator_id: operatorId,
      changed_at: time,
      initiator_kind: initiator.kind,
      manager_login: initiator.managerLogin,
      manager_token: initiator.managerToken,
      pos_code: changed.posCode,
      site_code: changed.siteCode,
      request_id: ctx.requestId,
      remote_address: remoteAddress,
    };
    out.histories.push({ ...context, fields });
    let contragentId = changed.before.contragentId;
    for (const c of changed.changes) {
      if (c.field === 'contragentId') contragentId = c.new as string | null;
      if (!IS_CONSENT[c.field]) continue;
      out.consents.push({
        later: later[i]!,
        row: {
          ...context,
          consent: API_NAMES[c.field],
          given: c.new === true,
          previous: c.old as boolean | null,
        },
      });
    }
    const eventId = newEventId();
    const payload = payloadJson({ EventId: eventId, Time: time, Client: participantId, Operator: operatorId, ContragentId: contragentId }, fields);
    out.events.push({ eventId, participantId, operatorId, payload, createdAt: time });
  }
  return out;
}
