// Integers are read as numbers, never through BigInt: the
// answers (value, "absent", or the refusal's message) are those of reading every
// integer exactly through BigInt, as the binder did before.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readScalar } from '../../src/wire/scalars.ts';
import { DecodeError, quote } from '../../src/wire/decode-error.ts';
import type { Raw } from '../../src/wire/raw.ts';
import { rng as random } from '../helpers/random.ts';

type IntType = 'int16' | 'int32' | 'int64';
const RANGE: Record<IntType, readonly [bigint, bigint]> = {
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [BigInt(-Number.MAX_SAFE_INTEGER), BigInt(Number.MAX_SAFE_INTEGER)],
};

/** The reading through BigInt, for comparison. */
function exact(type: IntType, raw: Raw): number | undefined {
  let value: bigint;
  if (raw.kind === 'number') {
    if (!Number.isInteger(raw.value)) throw new DecodeError(`поле F: ${quote(String(raw.value))} не является целым числом`);
    if (!Number.isSafeInteger(raw.value)) throw new DecodeError(`поле F: значение вне диапазона ${type}`);
    value = BigInt(raw.value);
  } else if (raw.kind === 'text') {
    const text = raw.text.trim();
    if (text === '') return undefined;
    const m = /^([+-]?)(\d+)(?:\.0*)?$/.exec(text);
    if (!m) throw new DecodeError(`поле F: ${quote(text)} не является целым числом`);
    value = BigInt(`${m[1]}${m[2]}`);
  } else {
    throw new DecodeError('поле F: ожидается целое число');
  }
  if (value < RANGE[type][0] || value > RANGE[type][1]) throw new DecodeError(`поле F: значение вне диапазона ${type}`);
  return Number(value);
}

const answer = (read: () => unknown): unknown => {
  try {
    const v = read();
    // -0 and 0 must not differ either.
    return typeof v === 'number' ? { v, negativeZero: Object.is(v, -0) } : { v };
  } catch (err) {
    return { refused: err instanceof DecodeError ? err.what : String(err) };
  }
};


describe('integers read without BigInt', () => {
  const numbers = [0, -0, 1, -1, 32767, 32768, -32768, -32769, 2147483647, 2147483648, -2147483648, -2147483649, 79161234567, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 53, 1.5, -0.5, 1e300, 1e15, 1e16];
  const texts = ['0', '-0', '+0', '00', '-000', '1', '+7', '-5', '1.0', '1.', '1.000', '32767', '32768', '-32768', '-32769', '2147483647', '2147483648', '-2147483648', '-2147483649',
    '999999999999999', '-999999999999999', '1000000000000000', '9007199254740991', '9007199254740992', '-9007199254740991', '-9007199254740992', '0000000000000000000000012', '-0000000000000000000000000', '00000000000000032768',
    '9223372036854775807', ' 12 ', '', '  ', '1e3', 'abc', '1.5', '0x10', '１２', '+-1', '--1'];
  const raws: Raw[] = [...numbers.map((value): Raw => ({ kind: 'number', value })), ...texts.map((text): Raw => ({ kind: 'text', text })), { kind: 'boolean', value: true }];
  const next = random(20261203);
  for (let i = 0; i < 3000; i++) {
    const digits = Array.from({ length: 1 + Math.floor(next() * 20) }, () => Math.floor(next() * 10)).join('');
    const sign = ['', '+', '-'][Math.floor(next() * 3)]!;
    raws.push({ kind: 'text', text: `${sign}${digits}${next() < 0.2 ? '.0' : ''}` });
    if (Number.isSafeInteger(Number(`${sign}${digits}`))) raws.push({ kind: 'number', value: Number(`${sign}${digits}`) });
  }

  for (const type of ['int16', 'int32', 'int64'] as const) {
    it(`${type}: the same answers as through BigInt`, () => {
      for (const raw of raws) assert.deepEqual(answer(() => readScalar(type, raw, 'F')), answer(() => exact(type, raw)), `${type} ${JSON.stringify(raw)}`);
    });
  }
});
