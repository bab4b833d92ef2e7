// Operators, partners, points of sale and widgets: the reference data that requests name.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.ts';
import { codeKey, fromBool } from './convert.ts';

export type Db = Kysely<Database> | Transaction<Database>;

export async function upsertOperator(db: Db, op: { id: number; name: string }): Promise<void> {
  await db
    .insertInto('operators')
    .values(op)
    .onConflict((oc) => oc.column('id').doUpdateSet({ name: op.name }))
    .execute();
}

export async function upsertPartner(db: Db, p: { id: number; operatorId: number; name: string }): Promise<void> {
  const row = { id: p.id, operator_id: p.operatorId, name: p.name };
  await db
    .insertInto('partners')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet({ operator_id: row.operator_id, name: row.name }))
    .execute();
}

export async function upsertPos(
  db: Db,
  pos: { operatorId: number; partnerId: number | null; code: string; name: string },
): Promise<number> {
  const row = {
    operator_id: pos.operatorId,
    partner_id: pos.partnerId,
    code: pos.code,
    code_key: codeKey(pos.code),
    name: pos.name,
  };
  const out = await db
    .insertInto('poses')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['operator_id', 'code_key']).doUpdateSet({ partner_id: row.partner_id, code: row.code, name: row.name }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return out.id;
}

export async function upsertSite(
  db: Db,
  site: { operatorId: number; code: string; name: string; active: boolean },
): Promise<void> {
  const row = {
    operator_id: site.operatorId,
    code: site.code,
    code_key: codeKey(site.code),
    name: site.name,
    active: fromBool(site.active) ?? 0,
  };
  await db
    .insertInto('sites')
    .values(row)
    .onConflict((oc) =>
      oc.column('code_key').doUpdateSet({ operator_id: row.operator_id, code: row.code, name: row.name, active: row.active }),
    )
    .execute();
}

export async function operatorExists(db: Db, id: number): Promise<boolean> {
  const row = await db.selectFrom('operators').select('id').where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

/** operatorExists bound to a database, as the authorization rules take it. */
export const operatorCheck =
  (db: Db) =>
  (id: number): Promise<boolean> =>
    operatorExists(db, id);

export async function partnerOperator(db: Db, partnerId: number): Promise<number | undefined> {
  const row = await db.selectFrom('partners').select('operator_id').where('id', '=', partnerId).executeTakeFirst();
  return row?.operator_id;
}

export interface PosRef {
  id: number;
  operatorId: number;
  partnerId: number | null;
  code: string;
}

export async function findPos(db: Db, operatorId: number, code: string): Promise<PosRef | undefined> {
  const row = await db
    .selectFrom('poses')
    .select(['id', 'operator_id', 'partner_id', 'code'])
    .where('operator_id', '=', operatorId)
    .where('code_key', '=', codeKey(code))
    .executeTakeFirst();
  return row && toPosRef(row);
}

export function toPosRef(row: { id: number; operator_id: number; partner_id: number | null; code: string }): PosRef {
  return { id: row.id, operatorId: row.operator_id, partnerId: row.partner_id, code: row.code };
}

/** An active widget of the operator with this code, or undefined. */
export async function findActiveSite(db: Db, operatorId: number, code: string): Promise<{ id: number } | undefined> {
  return db
    .selectFrom('sites')
    .select('id')
    .where('operator_id', '=', operatorId)
    .where('code_key', '=', codeKey(code))
    .where('active', '=', 1)
    .executeTakeFirst();
}
