// Change event ids: UUIDs of version 7 (RFC 9562), whose first 48 bits are the time in
// milliseconds. Each change inserts its event id into a unique index; random (version 4)
// ids put every insert on a random page of that index, which a commit must then write
// (SQLite: one more WAL page per change), while time-ordered ids go to its last pages.
import { randomFillSync } from 'node:crypto';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

// Random bytes drawn 4 KiB at a time, as node's randomUUID does: one call per id costs
// several microseconds.
const pool = new Uint8Array(4096);
let used = pool.length;

/** A new UUID version 7 for `now` (ms since the epoch): 48 bits of time, 74 random bits. */
export function newEventId(now = Date.now()): string {
  if (used + 10 > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const b = new Uint8Array(16);
  b.set(pool.subarray(used, used + 10), 6);
  used += 10;
  // 48-bit big-endian milliseconds (beyond 32 bits, so not with bitwise operators).
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    b[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  b[6] = (b[6]! & 0x0f) | 0x70; // version 7
  b[8] = (b[8]! & 0x3f) | 0x80; // variant 10
  let s = '';
  for (let i = 0; i < 16; i++) s += (i === 4 || i === 6 || i === 8 || i === 10 ? '-' : '') + HEX[b[i]!];
  return s;
}
