import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { IntMap } from '../../src/lib/int-map.ts';

describe('IntMap', () => {
  it('answers as a Map does, through growth and overwrites', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 0x7fffffff }), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), { maxLength: 3000 }), (pairs) => {
        const m = new IntMap();
        const ref = new Map<number, number>();
        for (const [k, v] of pairs) {
          m.set(k, v);
          ref.set(k, v);
        }
        assert.equal(m.size, ref.size);
        for (const [k, v] of ref) assert.equal(m.get(k), v);
        assert.equal(m.get(0x7ffffffe) === undefined, !ref.has(0x7ffffffe));
      }),
      { numRuns: 50 },
    );
  });

  it('refuses keys it cannot hold', () => {
    assert.throws(() => new IntMap().set(0, 1), RangeError);
    assert.throws(() => new IntMap().set(2 ** 31, 1), RangeError);
  });
});
