// Change event ids are UUIDs of version 7: their text sorts by the time they were made.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newEventId } from '../../src/lib/event-id.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('change event ids', () => {
  it('are version 7 UUIDs carrying the time in milliseconds', () => {
    const now = Date.UTC(2026, 10, 28, 13, 37, 17, 231);
    const id = newEventId(now);
    assert.match(id, UUID_V7);
    assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), now);
    assert.match(newEventId(), UUID_V7);
  });

  it('sort by time as text, and differ within one millisecond', () => {
    const t = Date.UTC(2026, 0, 1);
    const ids = [t + 1, t + 255, t + 256, t + 2 ** 32, t + 2 ** 40].map((ms) => newEventId(ms));
    assert.deepEqual([...ids].sort(), ids);
    const same = new Set(Array.from({ length: 1000 }, () => newEventId(t)));
    assert.equal(same.size, 1000);
  });
});
