// An Idempotency-Key as one request holds it (docs/reliability.md, "Retries"). Here, below
// the call context that carries it (principal.ts); src/idempotency/ reads, stores and
// replays it.

/** A key's scope (the caller's operator, the caller, the operation), the key, and the fingerprint of the request. */
export interface KeyClaim {
  operatorId: number;
  /** 'manager:<login>' or 'client:<id>'. */
  principal: string;
  operation: string;
  key: string;
  /** SHA-256 (hex) of the canonical encoding of the decoded request. */
  requestHash: string;
  /** How long the stored answer is kept, ms. */
  ttlMs: number;
}
