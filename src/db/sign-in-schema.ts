// Table shapes of migration 0006-sign-in (confirmation codes, rate counters, code messages).
import type { Generated } from 'kysely';

export interface ConfirmCodesTable {
  operator_id: number;
  phone: number;
  participant_id: number | null;
  /** Hex HMAC-SHA256 of the code, keyed by a server secret (see src/auth/code-keys.ts). */
  code_hash: string;
  tries_left: number;
  expires_at: string;
  created_at: string;
}

export interface RateCountersTable {
  key: string;
  hits: number;
  window_start: string;
  /** window_start + the window: stale rows are deleted by it. */
  expires_at: string;
}

export interface CodeMessagesTable {
  id: Generated<number>;
  event_id: string;
  webhook_id: number;
  /** base64url(iv | tag | AES-256-GCM ciphertext) of the webhook body. */
  sealed: string;
  attempts: Generated<number>;
  next_attempt_at: string | null;
  lease_until: string | null;
  claimed_by: string | null;
  expires_at: string;
}

export interface SignInTables {
  confirm_codes: ConfirmCodesTable;
  rate_counters: RateCountersTable;
  code_messages: CodeMessagesTable;
}
