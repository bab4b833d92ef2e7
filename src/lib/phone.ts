// Phone numbers (spec §4.3): Russian 10- and 11-digit forms normalized to 7XXXXXXXXXX,
// other countries accepted when they are valid E.164 numbers; stored as digits.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { russianNational } from './phone-text.ts';

const VALID_TYPES = new Set(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE']);

/** The normalized phone as an integer, or undefined when it is not a valid number. */
export function normalizePhone(input: number | string): number | undefined {
  const text = String(input).trim().replace(/^\+/, '');
  if (!/^\d{1,15}$/.test(text)) return undefined;
  // The original's national forms: 10 digits, or 11 digits starting with 8.
  const digits = russianNational(text);
  const parsed = parsePhoneNumberFromString(`+${digits}`);
  if (!parsed || !parsed.isValid()) return undefined;
  // +7 numbers (Russia, and Kazakhstan which shares the code) must be mobile or fixed lines.
  if (parsed.countryCallingCode === '7' && !VALID_TYPES.has(parsed.getType() ?? '')) return undefined;
  const e164 = parsed.number.slice(1);
  return Number(e164);
}
