// Phone numbers (spec §4.3): Russian 10- and 11-digit forms normalized to 7XXXXXXXXXX,
// other countries accepted when they are valid E.164 numbers; stored as digits.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { russianNational } from './phone-text.ts';

const VALID_TYPES = new Set(['MOBILE', 'FIXED_LINE', 'FIXED_LINE_OR_MOBILE']);

/** The normalized phone as an integer, or undefined when it is not a valid number. */
export function normalizePhone(input: number | string): number | undefined {
  return russianMobile(input) ?? normalizePhoneByLibrary(input);
}

/**
 * The answer of libphonenumber-js (its full metadata), the one judge of validity: about
 * 10 µs a call, as it compiles its patterns on every call. normalizePhone asks it whenever
 * the fast path below does not apply.
 */
export function normalizePhoneByLibrary(input: number | string): number | undefined {
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

const NATIONAL = 10_000_000_000;

/**
 * The common case without the library: a Russian mobile number, national number
 * 9[0-24-9]XXXXXXXX written as 10 digits, or 11 starting with 7 or 8. The library's metadata
 * (RU, mobile: `9(?:[0-24-9]\d{4}|3…)\d{4}`; RU's leading digits [3489] pick Russia over
 * Kazakhstan) makes each of them a valid MOBILE number, normalized to 7 and the national
 * number. Undefined means "ask the library", never "invalid"; 93… has holes, so it asks too.
 * test/lib/phone.test.ts holds this to the library's answer.
 */
export function russianMobile(input: number | string): number | undefined {
  let n: number;
  if (typeof input === 'number') n = input;
  else {
    const text = input.trim();
    const start = text.charCodeAt(0) === 43 /* + */ ? 1 : 0;
    const length = text.length - start;
    // A leading 0 would make the number's digit count differ from the text's.
    if ((length !== 10 && length !== 11) || !/^\+?[1-9]\d+$/.test(text)) return undefined;
    n = Number(text);
  }
  if (!Number.isInteger(n)) return undefined;
  let national: number;
  if (n >= 9 * 1e9 && n < NATIONAL) national = n; // 9XXXXXXXXX
  else if ((n >= 79 * 1e9 && n < 80 * 1e9) || (n >= 89 * 1e9 && n < 90 * 1e9)) national = n % NATIONAL; // 79… or 89…
  else return undefined;
  // The national number's second digit (9d…): 3 has holes in the metadata.
  if (Math.floor(national / 1e8) % 10 === 3) return undefined;
  return 7 * NATIONAL + national;
}
