// Table shapes of migration 0003-history (change history, consent ledger, change-event
// outbox, webhooks). Kept apart from schema.ts so that each table group has its own file.
import type { Generated } from 'kysely';
import type { DbBool } from './db-bool.ts';

export type InitiatorKind = 'manager' | 'client';

/** When, by whom and through what a change was made: kept on history and ledger rows alike. */
export interface ChangeContextColumns {
  changed_at: string;
  initiator_kind: InitiatorKind;
  manager_login: string | null;
  manager_token: number | null;
  pos_code: string | null;
  site_code: string | null;
  request_id: string;
  remote_address: string | null;
}

export interface ChangeHistoryTable extends ChangeContextColumns {
  id: Generated<number>;
  participant_id: number;
  operator_id: number;
  /** JSON array of {Field, Old, New} with API field names and values. */
  fields: string;
}

export interface ConsentLedgerTable extends ChangeContextColumns {
  id: Generated<number>;
  history_id: number;
  participant_id: number;
  operator_id: number;
  /** The consent's API name (AllowSms, …: the consents of src/participant/fields.ts). */
  consent: string;
  given: DbBool;
  previous: DbBool | null;
}

export interface ChangeEventsTable {
  id: Generated<number>;
  /** UUID sent as EventId and X-Lcm-Event-Id. */
  event_id: string;
  participant_id: number;
  operator_id: number;
  payload: string;
  created_at: string;
}

export interface WebhooksTable {
  id: Generated<number>;
  operator_id: number;
  url: string;
  secret: string;
  created_at: string;
  /** JSON array of subscribed event types (0006-sign-in); null = change events only. */
  events: string | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveriesTable {
  event_id: number;
  webhook_id: number;
  participant_id: number;
  status: Generated<DeliveryStatus>;
  attempts: Generated<number>;
  next_attempt_at: string | null;
  lease_until: string | null;
  claimed_by: string | null;
  last_error: string | null;
  delivered_at: string | null;
}

export interface HistoryTables {
  change_history: ChangeHistoryTable;
  consent_ledger: ConsentLedgerTable;
  change_events: ChangeEventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
