// Refresh tokens, stored only as SHA-256 hashes with their expiry. Using one deletes its
// row in the same statement that reads it, so a token works once, even when two
// requests present it at the same moment.
import type { Db } from '../../db/directory.ts';
import { nowIso } from '../../db/convert.ts';

export type RefreshKind = 'manager' | 'client';

export interface RefreshGrant {
  kind: RefreshKind;
  /** managers.id or participants.id. */
  subjectId: number;
  operatorId: number;
}

export async function saveRefreshToken(db: Db, tokenHash: string, grant: RefreshGrant, expiresAt: Date): Promise<void> {
  const now = nowIso();
  // Expired rows go when new ones come (indexed by expiry), so the table does not grow without bound.
  await db.deleteFrom('refresh_tokens').where('expires_at', '<', now).execute();
  await db
    .insertInto('refresh_tokens')
    .values({
      token_hash: tokenHash,
      kind: grant.kind,
      subject_id: grant.subjectId,
      operator_id: grant.operatorId,
      expires_at: expiresAt.toISOString(),
      created_at: now,
    })
    .execute();
}

/**
 * Consumes a refresh token of the given kind: the grant when it existed and had not
 * expired, else undefined. A token of the other kind is left untouched.
 */
export async function takeRefreshToken(db: Db, tokenHash: string, kind: RefreshKind): Promise<RefreshGrant | undefined> {
  const row = await db
    .deleteFrom('refresh_tokens')
    .where('token_hash', '=', tokenHash)
    .where('kind', '=', kind)
    .returning(['subject_id', 'operator_id', 'expires_at'])
    .executeTakeFirst();
  if (!row || Date.parse(row.expires_at) <= Date.now()) return undefined;
  return { kind, subjectId: row.subject_id, operatorId: row.operator_id };
}

/** Ends every refresh token of a subject (after a password change). */
export async function revokeRefreshTokens(db: Db, kind: RefreshKind, subjectId: number): Promise<void> {
  await db.deleteFrom('refresh_tokens').where('kind', '=', kind).where('subject_id', '=', subjectId).execute();
}
