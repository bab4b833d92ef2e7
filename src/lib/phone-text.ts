// A phone as people write it (spec client-update.md §4.3): digits with an optional leading
// `+` and the separators space, `-`, `.`, `(`, `)`. The one reader of such text, shared by
// /ClientLogin's username, every operation's Phone sent as a string, import, and the
// console's search box (ClientSearch, which also reads card numbers written that way).

const SEPARATORS = /[\s().-]/g;

/** A number as written: its digits and whether it began with `+`; undefined when it holds anything else. */
export function writtenDigits(text: string): { digits: string; plus: boolean } | undefined {
  const trimmed = text.trim();
  const plus = trimmed.startsWith('+');
  const digits = (plus ? trimmed.slice(1) : trimmed).replace(SEPARATORS, '');
  return /^\d+$/.test(digits) ? { digits, plus } : undefined;
}

/** The digits of a written phone (at most 15, E.164's limit), or undefined when it holds anything else. */
export function phoneDigits(text: string): string | undefined {
  const digits = writtenDigits(text)?.digits;
  return digits !== undefined && digits.length <= 15 ? digits : undefined;
}

/** Russian national forms as stored: 10 digits, or 11 starting with 8, become 7XXXXXXXXXX. */
export function russianNational(digits: string): string {
  if (digits.length === 10) return `7${digits}`;
  if (digits.length === 11 && digits.startsWith('8')) return `7${digits.slice(1)}`;
  return digits;
}
