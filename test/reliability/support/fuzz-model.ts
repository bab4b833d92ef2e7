// The fuzzer's model of ClientUpdate, written from the spec (client-update.md §3, §4, §7):
// from the stored participants, the caller and the fields as read, the expected answer and
// the expected participants afterwards.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { MESSAGES } from '../../../src/contract/common.ts';
import type { Read } from './fuzz-read.ts';

export interface Profile {
  id: number;
  operatorId: number;
  Name: string | null;
  Surname: string | null;
  Patronymic: string | null;
  Phone: number | null;
  Email: string | null;
  Birthdate: string | null;
  Gender: number;
  AllowSms: boolean | null;
  AllowEmail: boolean | null;
  AllowEmailOnlineCheque: boolean | null;
  ContragentId: string | null;
}

export type Caller = { kind: 'manager'; operatorId: number; token: number } | { kind: 'client'; operatorId: number; clientId: number } | { kind: 'none' };

export interface Expected {
  status: number;
  /** For 200: the ErrorCode and Message. */
  code?: number;
  message?: string;
  /** For ErrorCode 0: the participant as it must be stored afterwards, and the fields that changed. */
  after?: Profile;
  changed?: string[];
}

/** POS codes and active widgets of each operator in test/helpers/fixtures.ts. */
const POSES: Record<number, string[]> = { 1: ['msk-001'], 2: ['oth-001'] };
const ACTIVE_SITES: Record<number, string[]> = { 1: ['w-1'], 2: ['w-2'] };
const OPERATORS = new Set([1, 2]);

const TEXT_FIELDS = ['Name', 'Surname', 'Patronymic', 'ContragentId'] as const;
const PROFILE_FIELDS = ['Name', 'Surname', 'Patronymic', 'Phone', 'Email', 'Birthdate', 'Gender', 'AllowSms', 'AllowEmail', 'AllowEmailOnlineCheque', 'ContragentId'] as const;

const trimmedOrUndefined = (v: unknown): string | undefined => {
  const t = typeof v === 'string' ? v.trim() : undefined;
  return t ? t : undefined;
};

/** Spec §4.3: 10 digits and 11 starting with 8 are Russian; valid E.164 only; +7 mobile or fixed. */
export function modelPhone(n: number): number | undefined {
  const text = String(n);
  if (!/^\d{1,15}$/.test(text)) return undefined;
  const digits = text.length === 10 ? `7${text}` : text.length === 11 && text.startsWith('8') ? `7${text.slice(1)}` : text;
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  if (!parsed?.isValid()) return undefined;
  if (parsed.countryCallingCode === '7' && !['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE'].includes(parsed.getType() ?? '')) return undefined;
  return Number(parsed.number.slice(1));
}

/** Spec §4.4: one @ (not first), a dotted domain of non-empty labels not starting or ending with '-', no spaces or control characters, ≤ 254. */
export function modelEmail(e: string): boolean {
  if (e.length > 254 || /[\s\p{Cc}]/u.test(e)) return false;
  const parts = e.split('@');
  if (parts.length !== 2 || parts[0] === '') return false;
  const labels = parts[1]!.split('.');
  return labels.length >= 2 && labels.every((l) => l !== '' && !l.startsWith('-') && !l.endsWith('-'));
}

function latestBirthdate(): string {
  return new Date(Date.now() + 14 * 3600_000).toISOString().slice(0, 10);
}

const coded = (code: keyof typeof MESSAGES, field?: string): Expected => ({
  status: 200,
  code,
  message: field === undefined ? MESSAGES[code] : MESSAGES[code].replace('<Field>', field),
});

/** What ClientUpdate must answer, and store, for fields read as `fields` (none of them bad). */
export function expectUpdate(stored: ReadonlyMap<number, Profile>, caller: Caller, fields: Readonly<Record<string, Read>>): Expected {
  if (caller.kind === 'none') return { status: 401 };
  const v = (name: string): string | number | boolean | undefined => {
    const r = fields[name];
    return r?.k === 'ok' ? r.v : undefined;
  };
  const clientId = v('Client') as number | undefined;
  if (clientId === undefined || clientId <= 0) return coded(1);
  const op = (v('Operator') as number | undefined) || undefined;
  if (op !== undefined && !OPERATORS.has(op)) return coded(3);
  if (op !== undefined && op !== caller.operatorId) return { status: 403 };
  const token = v('Token') as number | undefined;
  if (token && (caller.kind !== 'manager' || caller.token !== token)) return { status: 403 };
  if (caller.kind === 'client' && caller.clientId !== clientId) return { status: 403 };
  const before = stored.get(clientId);
  if (!before || before.operatorId !== caller.operatorId) return coded(2);
  const operatorId = caller.operatorId;

  const pos = trimmedOrUndefined(v('PosCode'));
  if (pos !== undefined && !POSES[operatorId]!.includes(pos.toLowerCase())) return coded(4);
  const site = trimmedOrUndefined(v('SiteCode'));
  if (site !== undefined && !ACTIVE_SITES[operatorId]!.includes(site.toLowerCase())) return coded(5);

  const gender = (v('Gender') as number | undefined) ?? 0;
  if (![0, 1, -1].includes(gender)) return coded(11);
  const wanted: Partial<Record<(typeof PROFILE_FIELDS)[number], string | number | boolean>> = {};
  for (const f of TEXT_FIELDS) {
    const t = trimmedOrUndefined(v(f));
    if (t === undefined) continue;
    if ([...t].length > 100 || /\p{Cc}/u.test(t)) return coded(13, f);
    wanted[f] = t;
  }
  const rawPhone = v('Phone') as number | undefined;
  if (rawPhone !== undefined && rawPhone !== 0) {
    const phone = modelPhone(rawPhone);
    if (phone === undefined) return coded(6);
    wanted.Phone = phone;
  }
  const email = trimmedOrUndefined(v('Email'));
  if (email !== undefined) {
    if (!modelEmail(email)) return coded(8);
    wanted.Email = email;
  }
  const birthdate = v('Birthdate') as string | undefined;
  if (birthdate !== undefined) {
    if (birthdate < '1900-01-01' || birthdate > latestBirthdate()) return coded(10);
    wanted.Birthdate = birthdate;
  }
  if (gender !== 0) wanted.Gender = gender;
  for (const f of ['AllowSms', 'AllowEmail', 'AllowEmailOnlineCheque'] as const) {
    const b = v(f);
    if (b !== undefined) wanted[f] = b;
  }
  const others = [...stored.values()].filter((p) => p.operatorId === operatorId && p.id !== clientId);
  if (wanted.Phone !== undefined && others.some((p) => p.Phone === wanted.Phone)) return coded(7);
  if (wanted.Email !== undefined && others.some((p) => p.Email !== null && p.Email.trim().toLowerCase() === String(wanted.Email).toLowerCase())) return coded(9);
  if (wanted.ContragentId !== undefined && others.some((p) => p.ContragentId === wanted.ContragentId)) return coded(12);

  const after: Profile = { ...before };
  const changed: string[] = [];
  for (const f of PROFILE_FIELDS) {
    const next = wanted[f];
    if (next === undefined || next === before[f]) continue;
    (after as unknown as Record<string, unknown>)[f] = next;
    changed.push(f);
  }
  return { ...coded(0), after, changed };
}

/** Invariants every stored participant keeps, whatever was sent (for bodies whose meaning the model does not predict). */
export function profileViolations(p: Profile): string[] {
  const out: string[] = [];
  for (const f of TEXT_FIELDS) {
    const t = p[f];
    if (t !== null && (t !== t.trim() || t === '' || [...t].length > 100 || /\p{Cc}/u.test(t))) out.push(`${f} ${JSON.stringify(t)}`);
  }
  if (p.Phone !== null && modelPhone(p.Phone) !== p.Phone) out.push(`Phone ${p.Phone}`);
  if (p.Email !== null && (p.Email !== p.Email.trim() || !modelEmail(p.Email))) out.push(`Email ${JSON.stringify(p.Email)}`);
  if (p.Birthdate !== null && (p.Birthdate < '1900-01-01' || p.Birthdate > latestBirthdate())) out.push(`Birthdate ${p.Birthdate}`);
  if (![0, 1, -1].includes(p.Gender)) out.push(`Gender ${p.Gender}`);
  return out;
}

export { PROFILE_FIELDS };
