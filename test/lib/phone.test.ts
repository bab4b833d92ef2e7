// normalizePhone answers Russian mobile numbers without libphonenumber-js (russianMobile), and
// asks the library for everything else. The fast path must answer exactly as the library
// does: here both judge a large generated set of inputs — every national prefix 9XXXX, the
// edges of each length, other country codes, non-integers, and the written forms that the
// wire reads as a phone (phone-text.ts) — and must never disagree.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizePhone, normalizePhoneByLibrary, russianMobile } from '../../src/lib/phone.ts';
import { phoneDigits } from '../../src/lib/phone-text.ts';
import { rng } from '../helpers/random.ts';


const random = rng(0x5eed);
const digits = (n: number): string => Array.from({ length: n }, () => String(Math.floor(random() * 10))).join('');
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;

/** A national number 10 digits long written in the forms the spec reads as Russian, as numbers and as text. */
function russianForms(national: string): (number | string)[] {
  const texts = [national, `7${national}`, `8${national}`, `+7${national}`, `+${national}`, ` ${national}\t`, `+8${national}`];
  return [...texts.map((t) => Number(t)), ...texts];
}

/** Text as people write a phone (spec §4.3), read the way the wire reads it (phoneDigits). */
function writtenForms(number: string): string[] {
  const sep = () => pick([' ', '-', '.', '(', ')', '', '']);
  const spread = [...number].map((d) => d + sep()).join('');
  return [spread, `+${spread}`, ` +${number} `, `(${number.slice(0, 4)}) ${number.slice(4)}`];
}

function inputs(): (number | string)[] {
  const out: (number | string)[] = [];
  // Every national prefix 9XXXX (the metadata's patterns look at the first few digits), a random rest.
  for (let p = 0; p < 10_000; p++) {
    const national = `9${String(p).padStart(4, '0')}${digits(5)}`;
    out.push(Number(`7${national}`));
    if (p % 10 === 0) out.push(...russianForms(national));
  }
  // The other Russian and Kazakh ranges (fixed lines, toll-free, premium, 7xx of Kazakhstan).
  for (let i = 0; i < 3000; i++) out.push(...russianForms(`${pick(['3', '4', '5', '6', '7', '8', '0', '1', '2', '9'])}${digits(9)}`));
  // Edges of each length and range, and their neighbours.
  const edges = [
    0, 9, 99, 999_999_999, 1e9, 8_999_999_999, 9e9, 9_999_999_999, 1e10, 69_999_999_999, 7e10, 78_999_999_999, 79e9, 79_299_999_999, 793e8, 79_399_999_999, 794e8,
    79_999_999_999, 8e10, 88_999_999_999, 89e9, 89_999_999_999, 9e10, 99_999_999_999, 1e11, 799e9, 79e10, 999_999_999_999_999, 1e15, 9_007_199_254_740_991,
  ];
  for (const e of edges) for (const d of [-1, 0, 1]) out.push(e + d, String(e + d), `+${e + d}`);
  // Not integers, not finite, negative, beyond 2^53.
  out.push(79_161_234_567.5, 9_161_234_567.25, Number.NaN, Infinity, -Infinity, -79_161_234_567, -0, 79_161_234_567e3, 2 ** 53 + 2);
  // Other country codes and lengths.
  for (let i = 0; i < 3000; i++) {
    const cc = pick(['1', '44', '49', '375', '380', '998', '86', '33', '77', '76', '7', '8', '9', '79', '89']);
    const number = `${cc}${digits(Math.floor(random() * 14) + 1)}`.slice(0, 16);
    out.push(Number(number), number, `+${number}`, `0${number}`);
  }
  // Text: leading zeros, signs, spaces, letters, what Number() would read but the spec does not.
  for (let i = 0; i < 2000; i++) {
    const national = `9${digits(9)}`;
    out.push(`0${national}`, `00${national}`, `07${national}`, `++7${national}`, `-7${national}`, `7${national}0`, `7 ${national}`, `7${national}.0`, `7${national}e0`, `0x${national}`, `+ 7${national}`, `7${national.slice(0, 5)}\u0661${national.slice(6)}`);
    out.push(`\u00a0+7${national}\n`, `${national}  `, ` 8${national}`, `+7${national}`.padStart(16, ' '));
  }
  // Written forms as the wire reads them: the digits as a number (a JSON or XML Phone) and as text (search).
  for (let i = 0; i < 3000; i++) {
    const number = pick([`9${digits(9)}`, `79${digits(9)}`, `89${digits(9)}`, `7${digits(10)}`, `${digits(11)}`, `0${digits(10)}`, `${digits(Math.floor(random() * 16) + 1)}`]);
    for (const text of writtenForms(number)) {
      const read = phoneDigits(text);
      if (read !== undefined) out.push(read, Number(read));
    }
  }
  return out;
}

describe('normalizePhone: the Russian-mobile fast path', () => {
  it('answers exactly as libphonenumber-js over a large generated set', () => {
    let answered = 0;
    const all = inputs();
    for (const input of all) {
      const fast = russianMobile(input);
      const library = normalizePhoneByLibrary(input);
      if (fast !== undefined) {
        answered++;
        assert.equal(fast, library, `${typeof input} ${JSON.stringify(String(input))}: fast path ${fast}, libphonenumber-js ${library}`);
      }
      assert.equal(normalizePhone(input), library, `${typeof input} ${JSON.stringify(String(input))}`);
    }
    // The fast path must really answer most Russian mobiles, or this test compares nothing.
    assert.ok(answered > 30_000, `the fast path answered ${answered} of ${all.length}`);
  });

  it('takes the common forms and leaves the rest to the library', () => {
    for (const input of [79161234567, 9161234567, 89161234567, '79161234567', '+79161234567', '9161234567', '+89161234567', ' 89161234567 ']) {
      assert.equal(russianMobile(input), 79161234567, String(input));
    }
    // 93…: holes in the metadata; 7 / 8 / 3 / 4: fixed lines and Kazakhstan; leading 0, non-integers: the library's to refuse.
    for (const input of [79300512345, 79301234567, 74951234567, 77011234567, 88001234567, '09161234567', 79161234567.5, '7916123456e1', 7916123456, 791612345678]) {
      assert.equal(russianMobile(input), undefined, String(input));
    }
    assert.equal(normalizePhone('09161234567'), undefined);
    assert.equal(normalizePhone(74951234567), 74951234567);
  });
});
