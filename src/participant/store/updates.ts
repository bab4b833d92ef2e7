// What ClientUpdate needs from the store: the participant locked for the transaction, the
// owners of the unique values it claims, and a write of only the changed columns (so that
// concurrent requests changing different fields do not overwrite each other).
import type { Db } from '../../db/directory.ts';
import type { Engine } from '../../db/store.ts';
import type { Participant, ProfileChanges } from '../participant.ts';
import type { UniqueClaims, UniqueField } from '../fields.ts';
import { UNIQUE_FIELDS, uniqueColumn, uniqueFieldOfConstraint, uniqueKey } from '../fields.ts';
import { toParticipant } from './participants.ts';
import { nowIso } from '../../db/convert.ts';
import { profileColumns } from './profile-columns.ts';
import { driverError } from '../../db/errors.ts';

export type { UniqueClaims, UniqueField } from '../fields.ts';

/** Reads the participant and, on PostgreSQL, locks its row until the transaction ends. */
export async function lockParticipant(db: Db, engine: Engine, id: number): Promise<Participant | undefined> {
  let q = db.selectFrom('participants').selectAll().where('id', '=', id);
  if (engine === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row && toParticipant(row);
}

/** Which of the claimed values another participant of the operator already holds. */
export async function takenByOthers(db: Db, operatorId: number, participantId: number, claims: UniqueClaims): Promise<Set<UniqueField>> {
  const taken = new Set<UniqueField>();
  const keys = UNIQUE_FIELDS.map((f) => [f, uniqueKey(f, claims[f])] as const).filter(([, k]) => k !== undefined);
  if (keys.length === 0) return taken;
  const columns = UNIQUE_FIELDS.map(uniqueColumn) as 'phone'[];
  const rows = await db
    .selectFrom('participants')
    .select(columns)
    .where('operator_id', '=', operatorId)
    .where('id', '<>', participantId)
    .where((eb) => eb.or(keys.map(([f, k]) => eb(uniqueColumn(f) as 'phone', '=', k as number))))
    .execute();
  for (const r of rows as Record<string, unknown>[]) {
    // String(): PostgreSQL's bigint may come back as text.
    for (const [f, k] of keys) if (String(uniqueKey(f, r[uniqueColumn(f)] as string | number | null)) === String(k)) taken.add(f);
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
  return failure.kind === 'unique-violation' ? uniqueFieldOfConstraint(failure.constraint) : undefined;
}
