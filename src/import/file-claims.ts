// What earlier rows of the file being imported claimed, so that a later row claiming it for
// someone else is refused. Within a batch: every unique value (ids, phones, e-mails,
// contragents, cards), pending until the batch's transaction commits (a batch that fails and
// is retried row by row must not find its own rows' claims). Across batches the database
// holds the committed rows' values, so only the participants they wrote are kept — one small
// entry per row, so that a file of millions of rows streams in bounded memory.

import { IntMap } from '../lib/int-map.ts';

import type { UniqueField } from '../participant/fields.ts';

export type ClaimKind = 'id' | 'card' | UniqueField;

export interface Claim {
  line: number;
  /** The participant the row writes: 'id:<id>' for a known id, 'line:<n>' for a new one. */
  target: string;
}

/** The earlier row that wrote a participant; `created`: it had no Client (the id was assigned). */
export interface Writer {
  line: number;
  created: boolean;
}

export class FileClaims {
  /** Participant id → line of the committed row that wrote it, negative when it was created without Client. */
  private readonly written = new IntMap();
  private pending = new Map<string, Claim>();
  private pendingWritten: [number, number][] = [];

  /** A claim of an earlier row of the current batch. */
  get(kind: ClaimKind, value: string | number): Claim | undefined {
    return this.pending.get(`${kind}:${value}`);
  }

  add(kind: ClaimKind, value: string | number, claim: Claim): void {
    this.pending.set(`${kind}:${value}`, claim);
  }

  /** The committed row of an earlier batch that wrote participant `id`. */
  writer(id: number): Writer | undefined {
    const line = this.written.get(id);
    return line === undefined ? undefined : { line: Math.abs(line), created: line < 0 };
  }

  /** Records that the row at `line` writes participant `id` (kept once the batch commits). */
  wrote(id: number, line: number, created: boolean): void {
    this.pendingWritten.push([id, created ? -line : line]);
  }

  commit(): void {
    for (const [id, line] of this.pendingWritten) this.written.set(id, line);
    this.discard();
  }

  discard(): void {
    this.pending = new Map();
    this.pendingWritten = [];
  }
}
