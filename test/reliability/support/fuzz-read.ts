// The fuzzer's own model of how a generated value reads as its declared wire type, written
// from docs/wire-format.md (not from src/wire): what a field carries after decoding, or
// that it cannot be read (400, ErrorCode 100).
import type { ScalarType } from '../../../src/contract/types.ts';

export type Format = 'json' | 'xml' | 'form';

/** A generated value, before it is written in a format. */
export type Sem =
  | { readonly t: 'null' }
  | { readonly t: 'str'; readonly s: string }
  /** A JSON number literal as written (`1.0`, `1e400`, `-0`, maybe not valid JSON at all). */
  | { readonly t: 'num'; readonly lit: string }
  | { readonly t: 'bool'; readonly b: boolean }
  /** A nested object / list (depth ≥ 1). */
  | { readonly t: 'obj'; readonly depth: number }
  | { readonly t: 'arr'; readonly depth: number };

export type Read = { readonly k: 'absent' } | { readonly k: 'bad' } | { readonly k: 'ok'; readonly v: string | number | boolean };

const ABSENT: Read = { k: 'absent' };
const BAD: Read = { k: 'bad' };
const ok = (v: string | number | boolean): Read => ({ k: 'ok', v });

/** The characters XML 1.0 allows (the Char production). */
export function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** Code points of a string, lone surrogates included as themselves. */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const cp = s.codePointAt(i)!;
    out.push(cp);
    if (cp > 0xffff) i++;
  }
  return out;
}

export function hasLoneSurrogate(s: string): boolean {
  return codePoints(s).some((cp) => cp >= 0xd800 && cp <= 0xdfff);
}

/** True when a JSON literal is valid JSON. */
export function validJsonLiteral(lit: string): boolean {
  try {
    JSON.parse(lit);
    return true;
  } catch {
    return false;
  }
}

/** The text a value is written as in XML and form bodies. */
export function textOf(sem: Sem): string | undefined {
  switch (sem.t) {
    case 'null':
      return undefined;
    case 'str':
      return sem.s;
    case 'num':
      return sem.lit;
    case 'bool':
      return sem.b ? 'true' : 'false';
    case 'obj':
      return '[object Object]';
    case 'arr':
      return '1,2';
  }
}

/** Whether a value makes the whole body unreadable wherever it appears (even under an unknown name). */
export function poisonsBody(sem: Sem, format: Format): boolean {
  if (format === 'json') return sem.t === 'num' && !validJsonLiteral(sem.lit);
  const text = textOf(sem);
  if (text === undefined) return false;
  // XML: a character outside XML's Char production can only be sent as a reference, which is refused;
  // form: a lone surrogate has no UTF-8 form, so its bytes are sent raw and are not UTF-8.
  return format === 'xml' ? codePoints(text).some((cp) => !isXmlChar(cp)) : hasLoneSurrogate(text);
}

const INT_RANGE = {
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-9007199254740991n, 9007199254740991n],
} as const;

/**
 * How a value reads as `type` in `format` (poisoning is judged separately); `phone`: a
 * field declared with format 'phone', whose text may be a phone as people write it.
 */
export function readAs(type: ScalarType, sem: Sem, format: Format, phone = false): Read {
  if (sem.t === 'null') return ABSENT;
  if (format !== 'json' || sem.t === 'str') {
    if (format === 'xml' && (sem.t === 'obj' || sem.t === 'arr')) return BAD;
    return readText(type, textOf(sem)!, phone);
  }
  // JSON tokens other than strings.
  if (sem.t === 'obj' || sem.t === 'arr') return BAD;
  if (sem.t === 'bool') {
    if (type === 'string') return ok(sem.b ? 'true' : 'false');
    if (type === 'boolean') return ok(sem.b);
    return BAD;
  }
  if (!validJsonLiteral(sem.lit)) return BAD;
  const n = JSON.parse(sem.lit) as number;
  switch (type) {
    case 'string':
      return ok(String(n));
    case 'boolean':
      return n === 1 ? ok(true) : n === 0 ? ok(false) : BAD;
    case 'int16':
    case 'int32':
    case 'int64': {
      if (!Number.isSafeInteger(n)) return BAD;
      const [min, max] = INT_RANGE[type];
      return BigInt(n) < min || BigInt(n) > max ? BAD : ok(n === 0 ? 0 : n);
    }
    default:
      return BAD;
  }
}

/** Spec client-update.md §4.3: an optional leading `+`, digits, and the separators space - . ( ). */
function writtenPhone(t: string): number | undefined {
  const digits = (t.startsWith('+') ? t.slice(1) : t).replace(/[\s().-]/g, '');
  return /^\d{1,15}$/.test(digits) ? Number(digits) : undefined;
}

function readText(type: ScalarType, text: string, phone = false): Read {
  // A lone surrogate (a JSON \ud800 escape) is no character: unreadable.
  if (type === 'string') return hasLoneSurrogate(text) ? BAD : text === '' ? ABSENT : ok(text);
  const t = text.trim();
  if (t === '') return ABSENT;
  switch (type) {
    case 'boolean': {
      const l = t.toLowerCase();
      return l === 'true' || l === '1' ? ok(true) : l === 'false' || l === '0' ? ok(false) : BAD;
    }
    case 'int16':
    case 'int32':
    case 'int64': {
      const written = phone && type === 'int64' ? writtenPhone(t) : undefined;
      if (written !== undefined) return ok(written);
      const m = /^([+-]?)(\d+)(?:\.0*)?$/.exec(t);
      if (!m) return BAD;
      const v = BigInt(`${m[1]}${m[2]}`);
      const [min, max] = INT_RANGE[type];
      return v < min || v > max ? BAD : ok(Number(v));
    }
    case 'date': {
      const d = isoDate(t);
      return d === undefined ? BAD : ok(d);
    }
    default:
      return BAD;
  }
}

/** The calendar date as written of an ISO 8601 date or date-time, per wire-format.md. */
export function isoDate(t: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,7})?)?(Z|[+-](\d{2}):(\d{2}))?)?$/.exec(t);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
  if (y < 1 || days === undefined || d < 1 || d > days) return undefined;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return undefined;
  if (m[8] !== undefined && (Number(m[9]) > 59 || Number(m[8]) * 60 + Number(m[9]) > 14 * 60)) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}
