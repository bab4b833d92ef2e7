// The Idempotency-Key request header (IETF httpapi draft "The Idempotency-Key HTTP Header
// Field"): how it is read, whose it is, and the fingerprint of the request it came with.
// A key belongs to a scope — the caller's operator, the caller (principal) and the
// operation — so two callers never share one; the fingerprint tells a retry (same request)
// from a new request that reuses a key (422).
import { createHash } from 'node:crypto';
import type { KeyClaim } from '../lib/key-claim.ts';
import type { Principal } from '../lib/principal.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';

/** 1–255 visible ASCII characters (0x21–0x7E). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** The header's value: absent, a key, or unusable (→ 400). */
export type HeaderKey = { kind: 'absent' } | { kind: 'key'; key: string } | { kind: 'malformed' };

/**
 * Reads the header. The draft writes the key as a structured-field string ("…"): such a
 * value is taken without its quotes, so `"abc"` and `abc` are the same key. Repeated headers
 * are malformed: which one would the client mean?
 */
export function readKeyHeader(value: string | string[] | undefined): HeaderKey {
  if (value === undefined) return { kind: 'absent' };
  if (Array.isArray(value)) return { kind: 'malformed' };
  const quoted = value.length >= 3 && value.startsWith('"') && value.endsWith('"');
  const key = quoted ? value.slice(1, -1) : value;
  return KEY_PATTERN.test(key) && !(quoted && key.includes('"')) ? { kind: 'key', key } : { kind: 'malformed' };
}

/** Who sent a key, as the scope stores it: 'manager:<login>' or 'client:<id>'. */
export function principalOf(caller: Principal): string {
  return caller.kind === 'manager' ? `manager:${caller.login}` : `client:${caller.clientId}`;
}

/** One string per scope and key: the in-process map's and a batch's key. */
export function scopeId(c: Pick<KeyClaim, 'operatorId' | 'principal' | 'operation' | 'key'>): string {
  return `${c.operatorId}\u0000${c.principal}\u0000${c.operation}\u0000${c.key}`;
}

/**
 * SHA-256 of the decoded request as canonical JSON (members sorted by name, absent members
 * left out): the same request sent as JSON, XML or a form, in any member order or letter
 * case, has the same fingerprint.
 */
export function requestHash(request: object): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function claimFor(caller: Principal, operation: string, key: string, request: object, ttlMs: number): KeyClaim {
  return { operatorId: caller.operatorId, principal: principalOf(caller), operation, key, requestHash: requestHash(request), ttlMs };
}
