// The unique values (ids, phones, e-mails, contragents, cards) claimed by earlier rows of
// the file being imported, so that a later row claiming one for someone else is refused.
// Claims of a batch stay pending until its transaction commits: a batch that fails and is
// retried row by row must not find its own rows' claims.

import type { UniqueField } from '../participant/fields.ts';

export type ClaimKind = 'id' | 'card' | UniqueField;

export interface Claim {
  line: number;
  /** The participant the row writes: 'id:<id>' for a known id, 'line:<n>' for a new one. */
  target: string;
}

export class FileClaims {
  private readonly committed = new Map<string, Claim>();
  private pending = new Map<string, Claim>();

  get(kind: ClaimKind, value: string | number): Claim | undefined {
    const key = `${kind}:${value}`;
    return this.pending.get(key) ?? this.committed.get(key);
  }

  add(kind: ClaimKind, value: string | number, claim: Claim): void {
    this.pending.set(`${kind}:${value}`, claim);
  }

  commit(): void {
    for (const [k, v] of this.pending) this.committed.set(k, v);
    this.pending = new Map();
  }

  discard(): void {
    this.pending = new Map();
  }
}
