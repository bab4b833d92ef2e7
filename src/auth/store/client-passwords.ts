// A participant's password hash: written by SetClientPassword and `lcm client passwd`.
import type { Db } from '../../db/directory.ts';

/**
 * Sets the hash of the participant, who must still be of `operatorId` (and hold `phone`
 * when given: a code proves the phone, not the account the phone had before); its
 * ContragentId (for the change event), or undefined when no such participant.
 */
export async function setClientPasswordHash(
  db: Db,
  p: { participantId: number; operatorId: number; phone?: number; passwordHash: string },
): Promise<{ contragentId: string | null } | undefined> {
  let q = db.updateTable('participants').set({ password_hash: p.passwordHash }).where('id', '=', p.participantId).where('operator_id', '=', p.operatorId);
  if (p.phone !== undefined) q = q.where('phone', '=', p.phone);
  const row = await q.returning('contragent_id').executeTakeFirst();
  return row && { contragentId: row.contragent_id };
}
