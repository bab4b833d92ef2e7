// Reading one scalar as its wire type, with the conversions Json.NET and ASP.NET's form
// binder accept (spec §3). Each function returns undefined for "no value" (`""`, or a
// blank text for a non-string type, as the form binder treats it) and throws DecodeError
// naming the field for anything it cannot read.
import type { FieldDecl, ScalarType } from '../contract/types.ts';
import { phoneDigits } from '../lib/phone-text.ts';
import { DecodeError, quote } from './decode-error.ts';
import type { Raw } from './raw.ts';

type ScalarValue = string | number | boolean;
type IntType = 'int16' | 'int32' | 'int64';

const INT_RANGE: Record<IntType, readonly [number, number]> = {
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  // JavaScript numbers hold integers exactly only up to 2^53 - 1; beyond that a value
  // would silently change, so it is out of range (a phone has at most 15 digits).
  int64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** Integral digits, optionally written with a zero fraction (`1.0`). */
const INT_TEXT = /^([+-]?)(\d+)(?:\.0*)?$/;

/** YYYY-MM-DD, optionally Thh:mm[:ss[.fffffff]] and Z or ±hh:mm. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?(Z|[+-]\d{2}:\d{2})?)?$/;

export function readScalar(type: ScalarType, raw: Raw, field: string, format?: FieldDecl['format']): ScalarValue | undefined {
  switch (type) {
    case 'string':
      return readString(raw, field);
    case 'boolean':
      return readBoolean(raw, field);
    case 'int16':
    case 'int32':
    case 'int64':
      return format === 'phone' && type === 'int64' ? readPhone(raw, field) : readInteger(type, raw, field);
    case 'date':
      return readDate(raw, field, false);
    case 'datetime':
      return readDate(raw, field, true);
  }
}

/** A UTF-16 surrogate without its pair: a JSON `\ud800` escape names no character. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function readString(raw: Raw, field: string): string | undefined {
  switch (raw.kind) {
    case 'text':
      // It could be neither stored nor answered as sent (UTF-8 has no form for it).
      if (LONE_SURROGATE.test(raw.text)) return unreadable(field, 'строка содержит непарный суррогат UTF-16');
      return raw.text === '' ? undefined : raw.text;
    // Json.NET reads a number or boolean token into a string property as its text.
    case 'number':
      return String(raw.value);
    case 'boolean':
      return raw.value ? 'true' : 'false';
    default:
      return unreadable(field, 'ожидается строка');
  }
}

function readBoolean(raw: Raw, field: string): boolean | undefined {
  if (raw.kind === 'boolean') return raw.value;
  if (raw.kind === 'number') {
    if (raw.value === 1) return true;
    if (raw.value === 0) return false;
    return unreadable(field, `${quote(String(raw.value))} не является логическим значением (true/false, 1/0)`);
  }
  const text = blankAsAbsent(raw, field, 'логическое значение');
  if (text === undefined) return undefined;
  switch (text.toLowerCase()) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      return unreadable(field, `${quote(text)} не является логическим значением (true/false, 1/0)`);
  }
}

function readInteger(type: IntType, raw: Raw, field: string): number | undefined {
  const [min, max] = INT_RANGE[type];
  let value: number;
  if (raw.kind === 'number') {
    if (!Number.isInteger(raw.value)) return unreadable(field, `${quote(String(raw.value))} не является целым числом`);
    // Beyond 2^53 a JSON number has already lost digits: out of range for every type.
    if (!Number.isSafeInteger(raw.value)) return unreadable(field, `значение вне диапазона ${type}`);
    value = raw.value + 0; // -0 reads as 0
  } else {
    const text = blankAsAbsent(raw, field, 'целое число');
    if (text === undefined) return undefined;
    const m = INT_TEXT.exec(text);
    if (!m) return unreadable(field, `${quote(text)} не является целым числом`);
    // Exact for every integer up to 2^53; a longer one rounds, but never into a range
    // (every bound is a safe integer). 0 - 0 is 0, not -0.
    const digits = Number(m[2]);
    value = m[1] === '-' ? 0 - digits : digits;
  }
  if (value < min || value > max) return unreadable(field, `значение вне диапазона ${type}`);
  return value;
}

/** An integer as any int64; text as a written phone (its digits), else unreadable as today. */
function readPhone(raw: Raw, field: string): number | undefined {
  if (raw.kind === 'number') return readInteger('int64', raw, field);
  const text = blankAsAbsent(raw, field, 'целое число');
  if (text === undefined) return undefined;
  const digits = phoneDigits(text);
  // Not a written phone (a letter, more than 15 digits): read as any integer, so that what
  // cannot be read is refused naming the field, and a long number is ErrorCode 6 as before.
  return digits === undefined ? readInteger('int64', raw, field) : Number(digits);
}

function readDate(raw: Raw, field: string, keepTime: boolean): string | undefined {
  const text = blankAsAbsent(raw, field, 'дата ISO 8601');
  if (text === undefined) return undefined;
  const date = parseIsoDate(text);
  if (date === undefined) return unreadable(field, `${quote(text)} не является датой ISO 8601 (YYYY-MM-DD или YYYY-MM-DDThh:mm:ss±hh:mm)`);
  return keepTime ? text : date;
}

/**
 * The calendar date of an ISO 8601 value AS WRITTEN, 'YYYY-MM-DD' — in the value's own
 * offset, never converted through a Date in the server's zone (spec §4.2); undefined when
 * the text is not such a value or names an impossible date, time or offset.
 */
export function parseIsoDate(text: string): string | undefined {
  const m = ISO_DATE.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, hh, mi, ss, , offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  // .NET's DateTime starts at year 1.
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hh !== undefined && (Number(hh) > 23 || Number(mi) > 59 || Number(ss ?? '0') > 59)) return undefined;
  if (offset !== undefined && offset !== 'Z') {
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(4, 6));
    // ±14:00 is the widest offset in use; .NET refuses anything beyond it.
    if (om > 59 || oh * 60 + om > 14 * 60) return undefined;
  }
  return `${y}-${mo}-${d}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The trimmed text of a non-string value; blank = absent, as ASP.NET's value providers treat it. */
function blankAsAbsent(raw: Raw, field: string, expected: string): string | undefined {
  if (raw.kind !== 'text') return unreadable(field, `ожидается ${expected}`);
  const text = raw.text.trim();
  return text === '' ? undefined : text;
}

function unreadable(field: string, why: string): never {
  throw new DecodeError(`поле ${field}: ${why}`);
}
