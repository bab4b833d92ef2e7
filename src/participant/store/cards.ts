// Loyalty cards: a card belongs to one operator and, once issued or linked, to one
// participant. Card numbers are unique across operators (the primary key).
import type { Db } from '../../db/directory.ts';

export interface CardRow {
  number: number;
  operatorId: number;
  participantId: number | null;
}

export async function findCard(db: Db, number: number): Promise<CardRow | undefined> {
  const row = await db.selectFrom('cards').select(['number', 'operator_id', 'participant_id']).where('number', '=', number).executeTakeFirst();
  return row && { number: Number(row.number), operatorId: row.operator_id, participantId: row.participant_id };
}

/**
 * Inserts a new card for the participant; false when the number already exists (so that
 * a caller issuing random numbers can draw again without aborting its transaction).
 */
export async function insertCardIfAbsent(db: Db, card: { number: number; operatorId: number; participantId: number }): Promise<boolean> {
  const out = await db
    .insertInto('cards')
    .values({ number: card.number, operator_id: card.operatorId, participant_id: card.participantId, status: 0 })
    .onConflict((oc) => oc.column('number').doNothing())
    .returning('number')
    .executeTakeFirst();
  return out !== undefined;
}

/** Links an existing free card of the operator to the participant; false when it is not free. */
export async function linkFreeCard(db: Db, card: { number: number; operatorId: number; participantId: number }): Promise<boolean> {
  const out = await db
    .updateTable('cards')
    .set({ participant_id: card.participantId })
    .where('number', '=', card.number)
    .where('operator_id', '=', card.operatorId)
    .where('participant_id', 'is', null)
    .returning('number')
    .executeTakeFirst();
  return out !== undefined;
}

/** The participant's card: the lowest-numbered one linked to it, or null. */
export async function cardOf(db: Db, participantId: number): Promise<number | null> {
  const row = await db.selectFrom('cards').select('number').where('participant_id', '=', participantId).orderBy('number').limit(1).executeTakeFirst();
  return row ? Number(row.number) : null;
}

/** The participant a card of the operator is linked to. */
export async function participantIdByCard(db: Db, operatorId: number, number: number): Promise<number | undefined> {
  const row = await db
    .selectFrom('cards')
    .select('participant_id')
    .where('number', '=', number)
    .where('operator_id', '=', operatorId)
    .executeTakeFirst();
  return row?.participant_id ?? undefined;
}
