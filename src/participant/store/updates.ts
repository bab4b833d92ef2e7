// Unique values: who of the operator holds them (ClientCreate), and which one a unique
// violation names (every writer of participants).
import type { Db } from '../../db/directory.ts';
import type { UniqueClaims, UniqueField } from '../fields.ts';
import { UNIQUE_FIELDS, uniqueColumn, uniqueFieldOfConstraint, uniqueKey } from '../fields.ts';
import { driverError } from '../../db/errors.ts';

export type { UniqueClaims, UniqueField } from '../fields.ts';

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

/**
 * Which unique value a failed write collided with, when the error is a unique violation
 * (another process or transaction claimed it first); undefined for any other error.
 */
export function clashedUniqueField(err: unknown): UniqueField | undefined {
  const failure = driverError(err);
  return failure.kind === 'unique-violation' ? uniqueFieldOfConstraint(failure.constraint) : undefined;
}
