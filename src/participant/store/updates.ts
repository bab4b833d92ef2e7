// What ClientUpdate needs from the store: the participant locked for the transaction, the
// owners of the unique values it claims, and a write of only the changed columns (so that
// concurrent requests changing different fields do not overwrite each other).
import type { Db } from '../../db/directory.ts';
import type { Engine } from '../../db/store.ts';
import type { Participant, ProfileChanges } from '../participant.ts';
import { toParticipant } from './participants.ts';
import { emailKey, nowIso } from '../../db/convert.ts';
import { profileColumns } from './profile-columns.ts';
import { driverError } from '../../db/errors.ts';

/** Reads the participant and, on PostgreSQL, locks its row until the transaction ends. */
export async function lockParticipant(db: Db, engine: Engine, id: number): Promise<Participant | undefined> {
  let q = db.selectFrom('participants').selectAll().where('id', '=', id);
  if (engine === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row && toParticipant(row);
}

export interface UniqueClaims {
  phone?: number;
  email?: string;
  contragentId?: string;
}

export type UniqueField = keyof UniqueClaims;

/** Which of the claimed values another participant of the operator already holds. */
export async function takenByOthers(db: Db, operatorId: number, participantId: number, claims: UniqueClaims): Promise<Set<UniqueField>> {
  const taken = new Set<UniqueField>();
  if (claims.phone === undefined && claims.email === undefined && claims.contragentId === undefined) return taken;
  const key = claims.email === undefined ? undefined : emailKey(claims.email);
  const rows = await db
    .selectFrom('participants')
    .select(['phone', 'email_key', 'contragent_id'])
    .where('operator_id', '=', operatorId)
    .where('id', '<>', participantId)
    .where((eb) => {
      const ors = [];
      if (claims.phone !== undefined) ors.push(eb('phone', '=', claims.phone));
      if (key !== undefined) ors.push(eb('email_key', '=', key));
      if (claims.contragentId !== undefined) ors.push(eb('contragent_id', '=', claims.contragentId));
      return eb.or(ors);
    })
    .execute();
  for (const r of rows) {
    if (claims.phone !== undefined && Number(r.phone) === claims.phone) taken.add('phone');
    if (key !== undefined && r.email_key === key) taken.add('email');
    if (claims.contragentId !== undefined && r.contragent_id === claims.contragentId) taken.add('contragentId');
  }
  return taken;
}

/** Writes the changed columns and bumps the version. */
export async function applyChanges(db: Db, id: number, changes: ProfileChanges): Promise<void> {
  await db
    .updateTable('participants')
    .set((eb) => ({ ...profileColumns(changes), updated_at: nowIso(), version: eb('version', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

/**
 * Which unique value a failed write collided with, when the error is a unique violation
 * (another process or transaction claimed it first); undefined for any other error.
 */
export function clashedUniqueField(err: unknown): UniqueField | undefined {
  const failure = driverError(err);
  if (failure.kind !== 'unique-violation') return undefined;
  const text = failure.constraint;
  if (/phone/.test(text)) return 'phone';
  if (/email/.test(text)) return 'email';
  if (/contragent/.test(text)) return 'contragentId';
  return undefined;
}
