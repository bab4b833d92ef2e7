// The profile rules shared by every operation that writes a participant's profile
// (ClientUpdate, ClientCreate, the bulk import): syntax checks in the order of the
// ErrorCode table (11, 13, 6, 8, 10), then uniqueness per operator (7, 9, 12), and the one
// diff of wanted values against stored ones. Each check applies to the fields of its kind
// in the field table (fields.ts).
import type { Db } from '../db/directory.ts';
import type { FieldKind, Gender, ProfileChanges, ProfileInput, UniqueClaims, UniqueField } from './fields.ts';
import { API_NAMES, CONFLICT_CODE, PROFILE_FIELDS, UNIQUE_FIELDS, fieldsOfKind } from './fields.ts';
import type { FieldChange, Participant } from './participant.ts';
import { normalizePhone } from '../lib/phone.ts';
import { isValidEmail } from '../lib/email.ts';
import { isBirthdateInRange } from '../lib/birthdate.ts';
import { isAcceptableText, trimmed } from '../lib/text.ts';
import { takenByOthers } from './store/updates.ts';

export type { ProfileInput } from './fields.ts';
export { CONFLICT_CODE } from './fields.ts';

export type ProfileCheck = { ok: true; values: ProfileChanges } | { ok: false; code: number; field?: string };

/** Each kind's fields with their API names, once at load (objects, not tuples: no iterator to destructure them). */
const ofKind = (kind: FieldKind) => fieldsOfKind(kind).map((f) => ({ f, api: API_NAMES[f] }));
const GENDER = ofKind('gender');
/** Free-text fields, in the order their ErrorCode 13 is checked. */
const TEXT = ofKind('text');
const PHONE = ofKind('phone');
const EMAIL = ofKind('email');
const DATE = ofKind('date');
const FLAG = ofKind('flag');

/**
 * Checks and normalizes the given values. Empty text, Phone 0 and Gender 0 mean "not
 * given"; the result holds only the fields that carry a value.
 */
export function checkProfile(input: ProfileInput): ProfileCheck {
  const given = input as Readonly<Record<string, unknown>>;
  const values: Record<string, unknown> = {};
  for (const { api } of GENDER) {
    const gender = (given[api] as number | undefined) ?? 0;
    if (gender !== 0 && gender !== 1 && gender !== -1) return { ok: false, code: 11 };
  }
  for (const { f, api } of TEXT) {
    const value = trimmed(given[api] as string | undefined);
    if (value === undefined) continue;
    if (!isAcceptableText(value)) return { ok: false, code: 13, field: api };
    values[f] = value;
  }
  for (const { f, api } of PHONE) {
    const raw = given[api] as number | undefined;
    if (raw === undefined || raw === 0) continue;
    const phone = normalizePhone(raw);
    if (phone === undefined) return { ok: false, code: 6 };
    values[f] = phone;
  }
  for (const { f, api } of EMAIL) {
    const email = trimmed(given[api] as string | undefined);
    if (email === undefined) continue;
    if (!isValidEmail(email)) return { ok: false, code: 8 };
    values[f] = email;
  }
  for (const { f, api } of DATE) {
    const date = given[api] as string | undefined;
    if (date === undefined) continue;
    if (!isBirthdateInRange(date)) return { ok: false, code: 10 };
    values[f] = date;
  }
  for (const { f, api } of GENDER) {
    const gender = (given[api] as Gender | undefined) ?? 0;
    if (gender !== 0) values[f] = gender;
  }
  for (const { f, api } of FLAG) {
    const flag = given[api] as boolean | undefined;
    if (flag !== undefined) values[f] = flag;
  }
  return { ok: true, values: values as ProfileChanges };
}

/** The unique values (phone, e-mail, ContragentId) that writing `values` would claim. */
export function uniqueClaims(values: ProfileChanges): UniqueClaims {
  const claims: Record<string, unknown> = {};
  for (const f of UNIQUE_FIELDS) claims[f] = values[f] ?? undefined;
  return claims as UniqueClaims;
}

/** The ErrorCode of the first taken unique value, in the order phone, e-mail, ContragentId. */
export function conflictCode(taken: ReadonlySet<UniqueField>): number | undefined {
  for (const field of UNIQUE_FIELDS) {
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

/**
 * The fields whose wanted value is given and differs from the stored one, in table order:
 * what ClientUpdate and ClientCreate record, and what the import writes.
 */
export function profileDiff(before: Participant, wanted: ProfileChanges): FieldChange[] {
  const out: FieldChange[] = [];
  for (const field of PROFILE_FIELDS) {
    const next = wanted[field];
    if (next === undefined || next === before[field]) continue;
    out.push({ field, old: before[field], new: next });
  }
  return out;
}

