// The profile rules shared by every operation that writes a participant's profile
// (ClientUpdate, ClientCreate, the bulk import): syntax checks in the order of the
// ErrorCode table (11, 13, 6, 8, 10), then uniqueness per operator (7, 9, 12).
import type { Db } from '../db/directory.ts';
import type { Gender, ProfileChanges } from './participant.ts';
import { API_NAMES } from './participant.ts';
import { normalizePhone } from '../lib/phone.ts';
import { isValidEmail } from '../lib/email.ts';
import { isBirthdateInRange } from '../lib/birthdate.ts';
import { isAcceptableText, trimmed } from '../lib/text.ts';
import type { UniqueClaims, UniqueField } from './store/updates.ts';
import { takenByOthers } from './store/updates.ts';

/** Profile values as they arrive in a request (API field names). */
export interface ProfileInput {
  Name?: string;
  Surname?: string;
  Patronymic?: string;
  ContragentId?: string;
  Phone?: number;
  Email?: string;
  Birthdate?: string;
  Gender?: number;
  AllowSms?: boolean;
  AllowEmail?: boolean;
  AllowEmailOnlineCheque?: boolean;
}

export type ProfileCheck = { ok: true; values: ProfileChanges } | { ok: false; code: number; field?: string };

/** Free-text fields, in the order their ErrorCode 13 is checked. */
const TEXT_FIELDS = ['name', 'surname', 'patronymic', 'contragentId'] as const;

export const CONFLICT_CODE: Record<UniqueField, number> = { phone: 7, email: 9, contragentId: 12 };

/**
 * Checks and normalizes the given values. Empty text, Phone 0 and Gender 0 mean "not
 * given"; the result holds only the fields that carry a value.
 */
export function checkProfile(input: ProfileInput): ProfileCheck {
  const gender = input.Gender ?? 0;
  if (gender !== 0 && gender !== 1 && gender !== -1) return { ok: false, code: 11 };
  const values: ProfileChanges = {};
  for (const field of TEXT_FIELDS) {
    const value = trimmed(input[API_NAMES[field] as 'Name' | 'Surname' | 'Patronymic' | 'ContragentId']);
    if (value === undefined) continue;
    if (!isAcceptableText(value)) return { ok: false, code: 13, field: API_NAMES[field] };
    values[field] = value;
  }
  if (input.Phone !== undefined && input.Phone !== 0) {
    const phone = normalizePhone(input.Phone);
    if (phone === undefined) return { ok: false, code: 6 };
    values.phone = phone;
  }
  const email = trimmed(input.Email);
  if (email !== undefined) {
    if (!isValidEmail(email)) return { ok: false, code: 8 };
    values.email = email;
  }
  if (input.Birthdate !== undefined) {
    if (!isBirthdateInRange(input.Birthdate)) return { ok: false, code: 10 };
    values.birthdate = input.Birthdate;
  }
  if (gender !== 0) values.gender = gender as Gender;
  if (input.AllowSms !== undefined) values.allowSms = input.AllowSms;
  if (input.AllowEmail !== undefined) values.allowEmail = input.AllowEmail;
  if (input.AllowEmailOnlineCheque !== undefined) values.allowEmailOnlineCheque = input.AllowEmailOnlineCheque;
  return { ok: true, values };
}

/** The unique values (phone, e-mail, ContragentId) that writing `values` would claim. */
export function uniqueClaims(values: ProfileChanges): UniqueClaims {
  return { phone: values.phone ?? undefined, email: values.email ?? undefined, contragentId: values.contragentId ?? undefined };
}

/** The ErrorCode of the first taken unique value, in the order phone, e-mail, ContragentId. */
export function conflictCode(taken: ReadonlySet<UniqueField>): number | undefined {
  for (const field of ['phone', 'email', 'contragentId'] as const) {
    if (taken.has(field)) return CONFLICT_CODE[field];
  }
  return undefined;
}

/**
 * The ErrorCode of the first unique value that another participant of the operator holds;
 * undefined when all are free. `participantId` is the participant being written (0 for a
 * new one).
 */
export async function firstConflict(db: Db, operatorId: number, participantId: number, values: ProfileChanges): Promise<number | undefined> {
  return conflictCode(await takenByOthers(db, operatorId, participantId, uniqueClaims(values)));
}
