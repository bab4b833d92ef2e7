// "Password set" in the participant's history and change events: the field name and the
// word "set", never the password or its hash.
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import { insertChangeRows } from '../participant/store/history.ts';
import type { ChangeEventPayload, FieldRecord, Initiator } from '../participant/change-record.ts';
import { newEventId } from '../lib/event-id.ts';
import { revokeRefreshTokens } from './store/refresh-tokens.ts';
import { setClientPasswordHash } from './store/client-passwords.ts';

export const PASSWORD_SET: FieldRecord = Object.freeze({ Field: 'Password', Old: null, New: 'set' });

export interface PasswordChange {
  participantId: number;
  operatorId: number;
  /** When given, the participant must still hold this phone. */
  phone?: number;
  passwordHash: string;
  initiator: Initiator;
  requestId: string;
  remoteAddress: string | null;
  time: Date;
}

/**
 * Sets the password, ends the participant's refresh tokens and records "password set" (a
 * history row and a change event), in the caller's transaction. False when the participant
 * is gone (or no longer holds the phone).
 */
export async function applyPasswordChange(tx: Transaction<Database>, c: PasswordChange): Promise<boolean> {
  const updated = await setClientPasswordHash(tx, c);
  if (!updated) return false;
  await revokeRefreshTokens(tx, 'client', c.participantId);
  const time = c.time.toISOString();
  const common = {
    participant_id: c.participantId,
    operator_id: c.operatorId,
    changed_at: time,
    initiator_kind: c.initiator.kind,
    manager_login: c.initiator.managerLogin,
    manager_token: c.initiator.managerToken,
    pos_code: null,
    site_code: null,
    request_id: c.requestId,
    remote_address: c.remoteAddress || null,
  };
  const payload: ChangeEventPayload = {
    EventId: newEventId(c.time.getTime()),
    Time: time,
    Client: c.participantId,
    Operator: c.operatorId,
    ContragentId: updated.contragentId,
    Changes: [PASSWORD_SET],
  };
  await insertChangeRows(tx, {
    histories: [{ ...common, fields: JSON.stringify([PASSWORD_SET]) }],
    consents: [],
    events: [{ eventId: payload.EventId, participantId: c.participantId, operatorId: c.operatorId, payload: JSON.stringify(payload), createdAt: time }],
  });
  return true;
}
