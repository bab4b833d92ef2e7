// The idempotency_keys table (migration 0004): the stored first answers, read by scope and
// key, written in the transaction of the write they answer, and swept when expired.
import { sql } from 'kysely';
import type { Insertable, RawBuilder } from 'kysely';
import type { Db } from '../db/directory.ts';
import { driverError } from '../db/errors.ts';
import { fixedRead, readRows, repeated, rowsStatements } from '../db/fixed-statements.ts';
import type { IdempotencyKeysTable } from '../db/idempotency-schema.ts';
import type { KeyClaim } from '../lib/key-claim.ts';
import { scopeId } from './key.ts';

export type KeyRow = Insertable<IdempotencyKeysTable>;

/** A stored key; `response` is the answer's fields as JSON. */
export interface StoredKey {
  requestHash: string;
  status: number;
  response: string;
  expiresAt: string;
}

/** Only 200 answers are stored (see docs/reliability.md, "Retries"). */
export const STORED_STATUS = 200;

/** The row that stores `answer` (the response fields) as the answer to `claim`. */
export function keyRow(claim: KeyClaim, answer: object, now: string): KeyRow {
  return {
    operator_id: claim.operatorId,
    principal: claim.principal,
    operation: claim.operation,
    key: claim.key,
    request_hash: claim.requestHash,
    status: STORED_STATUS,
    response: JSON.stringify(answer),
    created_at: now,
    expires_at: new Date(Date.parse(now) + claim.ttlMs).toISOString(),
  };
}

type Scope = Pick<KeyClaim, 'operatorId' | 'principal' | 'operation' | 'key'>;

const whereScopes = (scopes: readonly Scope[]) =>
  sql.join(
    scopes.map((s) => sql`(operator_id = ${s.operatorId} and principal = ${s.principal} and operation = ${s.operation} and key = ${s.key})`),
    sql` or `,
  );

/** The key rows' columns with their PostgreSQL types, checked against the schema: the one list of them. */
const KEY_TYPES = {
  operator_id: 'integer',
  principal: 'text',
  operation: 'text',
  key: 'text',
  request_hash: 'text',
  status: 'integer',
  response: 'text',
  created_at: 'timestamptz',
  expires_at: 'timestamptz',
} satisfies { [C in keyof IdempotencyKeysTable]: string };
const KEY_NAMES = Object.keys(KEY_TYPES) as (keyof typeof KEY_TYPES)[];
const KEY_COLUMNS = KEY_NAMES.join(', ');
const KEY_RECORDSET = KEY_NAMES.map((c) => `${c} ${KEY_TYPES[c]}`).join(', ');

/** A key's scope, as columns: the primary key. */
const SCOPE_NAMES = ['operator_id', 'principal', 'operation', 'key'] as const satisfies readonly (keyof typeof KEY_TYPES)[];

/** The stored keys of some scopes: a text that does not vary with their number (db/fixed-statements.ts). */
export const READ_STORED_KEYS = fixedRead([...SCOPE_NAMES, 'request_hash', 'status', 'response', 'expires_at'], ({ tuples }) =>
  `idempotency_keys where ${tuples(SCOPE_NAMES.map((c) => [c, KEY_TYPES[c]] as const))}`,
);

/**
 * In one query, the stored keys of these scopes, by scopeId. Expired ones are as if never
 * seen: they are deleted here (one more statement, only when there are any) so that the
 * key can be stored anew by the write that follows.
 */
export async function readStoredKeys(db: Db, claims: readonly KeyClaim[], now: string): Promise<Map<string, StoredKey>> {
  const out = new Map<string, StoredKey>();
  if (claims.length === 0) return out;
  const rows = await readRows(db, READ_STORED_KEYS, [claims.map((c) => [c.operatorId, c.principal, c.operation, c.key])]);
  const expired: Scope[] = [];
  for (const [operatorId, principal, operation, key, requestHash, status, response, expiresAt] of rows as [number, string, string, string, string, number, string, string][]) {
    const scope = { operatorId, principal, operation, key };
    if (Date.parse(expiresAt) <= Date.parse(now)) expired.push(scope);
    else out.set(scopeId(scope), { requestHash, status, response, expiresAt });
  }
  if (expired.length > 0) {
    await db
      .deleteFrom('idempotency_keys')
      .where(whereScopes(expired) as RawBuilder<boolean>)
      .where('expires_at', '<=', now)
      .execute();
  }
  return out;
}

/** Inserts key rows; a key stored meanwhile by another transaction fails it (isKeyConflict). */
export async function insertKeyRows(db: Db, rows: readonly KeyRow[]): Promise<void> {
  if (rows.length === 0) return;
  await db.insertInto('idempotency_keys').values([...rows]).execute();
}

/** Sets the answer of a key inserted earlier in the same transaction (insertKeyRows with a placeholder). */
export async function setKeyAnswer(db: Db, row: KeyRow): Promise<void> {
  await db
    .updateTable('idempotency_keys')
    .set({ request_hash: row.request_hash, status: row.status, response: row.response, created_at: row.created_at, expires_at: row.expires_at })
    .where(whereScopes([{ operatorId: row.operator_id, principal: row.principal, operation: row.operation, key: row.key }]) as RawBuilder<boolean>)
    .execute();
}

export async function deleteKey(db: Db, scope: Scope): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where(whereScopes([scope]) as RawBuilder<boolean>)
    .execute();
}


/** SQLite: insertKeyRows as statements of fixed texts (the ClientUpdate batch's write, rowsStatements). */
export const insertKeyRowsStatements = rowsStatements<KeyRow>(
  (n) => `insert into idempotency_keys (${KEY_COLUMNS}) values ${repeated(`(${repeated('?', KEY_NAMES.length)})`, n)}`,
  (p, r) => {
    for (const c of KEY_NAMES) p.push(r[c]);
  },
);

/**
 * PostgreSQL: the extra arm of a data-modifying WITH statement that inserts `rows` (one jsonb
 * parameter), written as `, <name> as (…)`; nothing when there are none, so a statement
 * without keys stays as it was. The insert fails on a key stored meanwhile — after waiting
 * for the transaction that inserted it, if that one has not committed yet.
 */
export function keyRowsCte(rows: readonly KeyRow[], name = 'idem'): RawBuilder<unknown> {
  if (rows.length === 0) return sql``;
  return sql`, ${sql.raw(name)} as (
      insert into idempotency_keys (${sql.raw(KEY_COLUMNS)})
      select ${sql.raw(KEY_COLUMNS)} from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(${sql.raw(KEY_RECORDSET)})
    )`;
}

/**
 * True when a write failed because its key was stored by another transaction first: a
 * unique violation (driverError) of the table's primary key, named idempotency_keys_pkey on
 * PostgreSQL and by its columns ('idempotency_keys.operator_id, …') on SQLite.
 */
export function isKeyConflict(err: unknown): boolean {
  const failure = driverError(err);
  return failure.kind === 'unique-violation' && /\bidempotency_keys(_pkey\b|\.)/.test(failure.constraint);
}

/**
 * Deletes up to `limit` keys expired at `now`; returns how many. Bounded, so that a sweep
 * never holds the table (or SQLite's one writer) for long.
 */
export async function sweepExpiredKeys(db: Db, now: string, limit: number): Promise<number> {
  const result = await sql`delete from idempotency_keys where (operator_id, principal, operation, key) in (
      select operator_id, principal, operation, key from idempotency_keys where expires_at <= ${now} limit ${limit})`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
