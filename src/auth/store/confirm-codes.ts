// Confirmation codes: one per (operator, phone), stored only as a keyed hash, with an
// expiry and a number of tries left. A try is spent by an atomic update before the code is
// compared, so parallel guesses each spend one.
import type { Db } from '../../db/directory.ts';

export interface NewCode {
  operatorId: number;
  phone: number;
  codeHash: string;
  tries: number;
  expiresAt: Date;
  now: Date;
}

/** Stores a code, replacing the phone's previous one; links the participant that holds the phone, if any. */
export async function saveCode(db: Db, c: NewCode): Promise<void> {
  const participant = db.selectFrom('participants').select('id').where('operator_id', '=', c.operatorId).where('phone', '=', c.phone);
  const row = {
    participant_id: participant,
    code_hash: c.codeHash,
    tries_left: c.tries,
    expires_at: c.expiresAt.toISOString(),
    created_at: c.now.toISOString(),
  };
  await db
    .insertInto('confirm_codes')
    .values({ operator_id: c.operatorId, phone: c.phone, ...row })
    .onConflict((oc) => oc.columns(['operator_id', 'phone']).doUpdateSet(row))
    .execute();
}

export interface ReservedTry {
  codeHash: string;
  participantId: number | null;
}

/** Spends one try of the phone's live code and returns it; undefined when there is none with tries left. */
export async function spendTry(db: Db, operatorId: number, phone: number, now: Date): Promise<ReservedTry | undefined> {
  const row = await db
    .updateTable('confirm_codes')
    .set((eb) => ({ tries_left: eb('tries_left', '-', 1) }))
    .where('operator_id', '=', operatorId)
    .where('phone', '=', phone)
    .where('tries_left', '>', 0)
    .where('expires_at', '>', now.toISOString())
    .returning(['code_hash', 'participant_id'])
    .executeTakeFirst();
  return row && { codeHash: row.code_hash, participantId: row.participant_id };
}

/** Whether the phone has a live code whose tries are all spent. */
export async function triesExhausted(db: Db, operatorId: number, phone: number, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom('confirm_codes')
    .select('tries_left')
    .where('operator_id', '=', operatorId)
    .where('phone', '=', phone)
    .where('expires_at', '>', now.toISOString())
    .executeTakeFirst();
  return row !== undefined && row.tries_left <= 0;
}

/** Deletes the code if it is still the one with this hash (a right code works once); its participant, or undefined. */
export async function consumeCode(db: Db, operatorId: number, phone: number, codeHash: string): Promise<number | null | undefined> {
  const row = await db
    .deleteFrom('confirm_codes')
    .where('operator_id', '=', operatorId)
    .where('phone', '=', phone)
    .where('code_hash', '=', codeHash)
    .returning('participant_id')
    .executeTakeFirst();
  return row?.participant_id;
}

export async function deleteExpiredCodes(db: Db, now: Date): Promise<void> {
  await db.deleteFrom('confirm_codes').where('expires_at', '<=', now.toISOString()).execute();
}
