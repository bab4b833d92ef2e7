// Table shapes as Kysely sees them. Columns hold what both engines return after the
// conversions in store.ts: int8 → number, date → 'YYYY-MM-DD' string, booleans as 0/1 on
// SQLite and true/false on PostgreSQL (normalized by the repositories).
import type { Generated } from 'kysely';
import type { HistoryTables } from './history-schema.ts';
import type { IdempotencyTables } from './idempotency-schema.ts';
import type { SignInTables } from './sign-in-schema.ts';

import type { DbBool } from './db-bool.ts';

export type { DbBool };

export interface OperatorsTable {
  id: number;
  name: string;
}

export interface PartnersTable {
  id: number;
  operator_id: number;
  name: string;
}

export interface PosesTable {
  id: Generated<number>;
  operator_id: number;
  partner_id: number | null;
  code: string;
  /** Upper-cased code: POS codes are unique per operator, compared case-insensitively. */
  code_key: string;
  name: string;
}

export interface SitesTable {
  id: Generated<number>;
  operator_id: number;
  code: string;
  /** Upper-cased code: widget codes are globally unique, compared case-insensitively. */
  code_key: string;
  name: string;
  active: DbBool;
}

export interface ManagersTable {
  id: Generated<number>;
  login: string;
  password_hash: string;
  token: number;
  operator_id: number;
  partner_id: number | null;
  pos_id: number | null;
  /** JSON array of role names. */
  roles: string;
  created_at: string;
}

export interface RefreshTokensTable {
  id: Generated<number>;
  /** SHA-256 of the opaque token, hex. */
  token_hash: string;
  kind: 'manager' | 'client';
  subject_id: number;
  operator_id: number;
  expires_at: string;
  created_at: string;
}

/** Small key/value settings shared by all server processes (e.g. the generated JWT secret). */
export interface SettingsTable {
  key: string;
  value: string;
}

/** Failed sign-ins per throttle key (endpoint + username), for the lock of auth.md. */
export interface LoginFailuresTable {
  key: string;
  failures: number;
  window_start: string;
  locked_until: string | null;
}

/**
 * The participants' profile columns (name, phone, email_key, surname_key, allow_sms, …). db/ imports no
 * feature, so they are declared where the profile fields are: src/participant/fields.ts,
 * merged in here by src/participant/store/profile-columns.ts (module augmentation).
 */
export interface ParticipantProfileColumns {}

export interface ParticipantsTable extends ParticipantProfileColumns {
  id: Generated<number>;
  operator_id: number;
  password_hash: string | null;
  created_at: string;
  updated_at: string;
  version: number;
}

export interface CardsTable {
  number: number;
  operator_id: number;
  participant_id: number | null;
  status: number;
}

export interface Database extends HistoryTables, IdempotencyTables, SignInTables {
  operators: OperatorsTable;
  partners: PartnersTable;
  poses: PosesTable;
  sites: SitesTable;
  managers: ManagersTable;
  refresh_tokens: RefreshTokensTable;
  settings: SettingsTable;
  login_failures: LoginFailuresTable;
  participants: ParticipantsTable;
  cards: CardsTable;
}
