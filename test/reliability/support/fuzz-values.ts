// fast-check arbitraries of field values: mostly plausible values of each declared field,
// mixed with hostile ones (wrong types, huge and negative numbers, NaN-ish strings,
// unicode, control characters, SQL, HTML, nesting).
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import type { FieldDecl, ScalarType } from '../../../src/contract/types.ts';
import type { Sem } from './fuzz-read.ts';

const str = (s: string): Sem => ({ t: 'str', s });
const num = (lit: string | number): Sem => ({ t: 'num', lit: String(lit) });
const bool = (b: boolean): Sem => ({ t: 'bool', b });
const NULL: Sem = { t: 'null' };

const pick = (values: readonly Sem[]): Arbitrary<Sem> => fc.constantFrom(...values);
const weighted = (...arbs: [number, Arbitrary<Sem>][]): Arbitrary<Sem> => fc.oneof(...arbs.map(([weight, arbitrary]) => ({ weight, arbitrary })));

export const SQL = [
  "'; drop table participants; --",
  "Robert'); DROP TABLE participants;--",
  "1' OR '1'='1",
  '" OR ""="',
  "'; select pg_sleep(5); --",
  '$$; drop table participants; $$',
  "x'||(select name from managers limit 1)||'",
];
export const HTML = ['<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '&lt;b&gt;&amp;', ']]>', '<![CDATA[x]]>', '</Name><Client>2</Client>', '{"Client":2}', 'a&b=c'];
const CONTROL = ['\u0000', 'a\u0007b', '\u001b[31mred', 'x\u007f', 'x\u0085y', 'a\tb', 'a\nb', 'a\r\nb', '\r', 'x\u009fy'];
const SPACING = [' Иван ', '\u00a0Пётр\u00a0', '\ufeffX', '\t Anna\n', '   ', 'Zero\u200bWidth', 'rtl\u202eoverride', 'e\u0301'.repeat(40)];
const LONG = ['я'.repeat(100), 'я'.repeat(101), '😀'.repeat(100), '😀'.repeat(101), 'e\u0301'.repeat(51), ` ${'a'.repeat(100)} `, 'b'.repeat(300)];
const LONE = ['\ud800', 'x\udc00y', '\udbff'];
const NAMES = ['Иван', 'Пётр', 'Мария', 'Анна-Мария', "O'Brien", 'Jean Luc', '李小龍', 'Zoë', 'Ω', '1C-0001', '1C-0002', '1C-NEW-7'];

/** Hostile or unusual text. */
export const hostileText: Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SQL, ...HTML, ...CONTROL, ...SPACING, ...LONG, ...LONE),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({ unit: fc.constantFrom('a', ' ', '\u0000', '\t', '<', '&', "'", ';', '-', '%', '+', '=', 'я', '😀', '\ud800'), maxLength: 30 }),
  fc.string({ unit: 'grapheme-ascii', minLength: 95, maxLength: 105 }),
);

const hostileNumber: Arbitrary<Sem> = fc.oneof(
  pick(['-0', '1e400', '-1e400', '1E2', '1e0', '0.0', '1.0', '1.5', '-1.0', '9007199254740993', '123456789012345678901234567890', '0x10', 'NaN', 'Infinity', '-', '+7', '007', '.5'].map(num)),
  fc.integer().map(num),
  fc.bigInt({ min: -(10n ** 21n), max: 10n ** 21n }).map((b) => num(b.toString())),
  fc.double().filter(Number.isFinite).map(num),
);

/** Values of the wrong shape for any field. */
const wrongShape: Arbitrary<Sem> = fc.oneof(
  pick([NULL, str(''), str('   '), str('abc'), str('NaN'), str('Infinity'), str('-0'), str('null'), str('undefined'), str('true'), bool(true), bool(false)]),
  fc.integer({ min: 1, max: 3 }).map((depth): Sem => ({ t: 'obj', depth })),
  fc.integer({ min: 1, max: 3 }).map((depth): Sem => ({ t: 'arr', depth })),
  fc.tuple(fc.constantFrom('obj' as const, 'arr' as const), fc.integer({ min: 30, max: 2000 })).map(([t, depth]): Sem => ({ t, depth })),
  hostileNumber,
  hostileText.map(str),
);

const int = (values: readonly number[]): Arbitrary<Sem> => fc.oneof(pick(values.map(num)), pick(values.map((v) => str(String(v)))), pick(values.map((v) => str(` ${v} `))));

const BOOLEAN: Arbitrary<Sem> = weighted(
  [12, pick([bool(true), bool(false), bool(true), bool(false), str('TRUE'), str('False'), str('1'), str('0'), num(1), num(0), num('1.0'), str(' true ')])],
  [1, pick([str('yes'), num(13), num(-1)])],
);

const BIRTHDATE: Arbitrary<Sem> = weighted(
  [8, pick(['1990-05-15', '1990-05-15T00:00:00+03:00', '2000-02-29', '1900-01-01', '1990-05-15T23:59:59.1234567-12:00', '2024-12-31T23:59Z', '1985-01-01T00:00:00'].map(str))],
  [2, pick(['1899-12-31', '2999-01-01', '9999-12-31', '1900-02-29', '1990-02-31', '31.02.1990', '1990/05/15', '1990-05-15T10:00:00.12345678Z', '1990-05-15T10:00+14:01', '1990-05-15T24:00', '0000-01-01', '1990-5-15', ' 1990-05-15 '].map(str))],
  [2, fc.date({ min: new Date('1850-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => str(d.toISOString()))],
  [1, fc.date({ min: new Date('1880-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((d) => str(d.toISOString().slice(0, 10)))],
);

const PHONE: Arbitrary<Sem> = weighted(
  [10, int([79160000001, 79160000002, 79160000003, 9161234567, 89161234568, 79031234567, 442071838750, 4930123456, 0])],
  [1, pick([str('+79161112233'), str(' +7 916 111-22-33 '), num(1), num(123), num(7916), num(70000000000), num(999999999999999), num(-79161234567), num('79161234567.0')])],
  [2, fc.integer({ min: 7_900_000_0000, max: 7_999_999_9999 }).map(num)],
  [1, fc.bigInt({ min: 0n, max: 10n ** 20n }).map((b) => num(b.toString()))],
);

const DOMAINS = ['example.ru', 'mail.example.com', 'пример.рф', 'x.io', '-bad.ru', 'a..b', 'localhost'];
const EMAIL: Arbitrary<Sem> = weighted(
  [4, pick(['ivan@example.ru', 'MARIA@example.ru', 'maria@EXAMPLE.ru', 'other@example.ru', 'new.user+tag@mail.example.com', ' padded@example.org ', 'Пётр@пример.рф', "o'brien@example.ie", '<script>@x.ru', 'a@b', 'no-at-all', 'a@@b.ru', '@example.ru', 'a b@c.ru', `${'a'.repeat(250)}@x.ru`].map(str))],
  [2, fc.tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), fc.constantFrom(...DOMAINS)).map(([local, domain]) => str(`${local}@${domain}`))],
);

const GENDER: Arbitrary<Sem> = weighted([10, int([-1, 0, 1, 1, -1, 2, -2])], [1, int([32768, 2147483648])]);
const CLIENT: Arbitrary<Sem> = weighted([30, int([1, 1, 1, 2, 2, 3])], [2, int([4, 999, 0, -1, 2147483647, 2147483648])], [1, pick(['1.0', '1e0', '1.5', '01'].map(num))]);
const OPERATOR: Arbitrary<Sem> = weighted([10, int([0, 1, 1, 1, 2, 99, -1])], [1, int([32768])]);
const TOKEN: Arbitrary<Sem> = weighted([10, int([0, 5001, 5001, 5001, 6001, 1, -5001])], [1, int([2147483648])]);
const POS_CODE: Arbitrary<Sem> = pick(['MSK-001', ' msk-001 ', 'OTH-001', 'nope', SQL[0]!, '   '].map(str));
const SITE_CODE: Arbitrary<Sem> = pick(['W-1', 'w-1', 'W-OFF', 'W-2', 'w-2', SQL[2]!].map(str));

const TEXT: Arbitrary<Sem> = weighted([4, fc.constantFrom(...NAMES).map(str)], [3, hostileText.map(str)], [1, pick([num(123), num('1e400'), bool(true)])]);

/** Plausible values of a field by its name (when it has a meaning the model checks) or its type. */
function plausible(field: FieldDecl): Arbitrary<Sem> {
  const byName: Record<string, Arbitrary<Sem>> = {
    Client: CLIENT,
    Operator: OPERATOR,
    Token: TOKEN,
    Phone: PHONE,
    Email: EMAIL,
    Gender: GENDER,
    Birthdate: BIRTHDATE,
    PosCode: POS_CODE,
    SiteCode: SITE_CODE,
  };
  const named = byName[field.name];
  if (named) return named;
  const byType: Partial<Record<ScalarType, Arbitrary<Sem>>> = { string: TEXT, boolean: BOOLEAN, date: BIRTHDATE, int16: OPERATOR, int32: GENDER, int64: PHONE };
  const typed = typeof field.type === 'string' ? byType[field.type] : undefined;
  if (!typed) throw new Error(`no generator for ${field.name}`);
  return typed;
}

/** A value for a declared field: plausible most of the time, of the wrong shape sometimes. */
export function valueFor(field: FieldDecl): Arbitrary<Sem> {
  return weighted([19, plausible(field)], [1, wrongShape]);
}

/** A spelling of a field name: as declared, lower, upper, or mixed case. */
export function spelling(name: string): Arbitrary<string> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(name) },
    { weight: 1, arbitrary: fc.constantFrom(name.toLowerCase(), name.toUpperCase()) },
    { weight: 1, arbitrary: fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((up) => [...name].map((c, i) => (up[i] ? c.toUpperCase() : c.toLowerCase())).join('')) },
  );
}

/** Names no declaration has: XML-safe ones and, outside XML, anything. */
export const unknownXmlName: Arbitrary<string> = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.-]{0,12}$/);
export const unknownName: Arbitrary<string> = fc.oneof(unknownXmlName, fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString', '', ' ', '1', "'; drop table participants; --"));

export { wrongShape, NULL };
