// Managers (staff, cash registers, integrations) who sign in at /ManagerLogin.
import type { Db } from '../../db/directory.ts';
import { nowIso } from '../../db/convert.ts';

export interface Manager {
  id: number;
  login: string;
  passwordHash: string;
  token: number;
  operatorId: number;
  partnerId: number | null;
  posId: number | null;
  roles: string[];
}

export type ManagerInput = Omit<Manager, 'id'>;

export async function upsertManager(db: Db, m: ManagerInput): Promise<void> {
  const values = {
    password_hash: m.passwordHash,
    token: m.token,
    operator_id: m.operatorId,
    partner_id: m.partnerId,
    pos_id: m.posId,
    roles: JSON.stringify(m.roles),
  };
  await db
    .insertInto('managers')
    .values({ login: m.login, ...values, created_at: nowIso() })
    .onConflict((oc) => oc.column('login').doUpdateSet(values))
    .execute();
}

export async function findManagerByLogin(db: Db, login: string): Promise<Manager | undefined> {
  const row = await db.selectFrom('managers').selectAll().where('login', '=', login).executeTakeFirst();
  return (
    row && {
      id: row.id,
      login: row.login,
      passwordHash: row.password_hash,
      token: row.token,
      operatorId: row.operator_id,
      partnerId: row.partner_id,
      posId: row.pos_id,
      roles: JSON.parse(row.roles) as string[],
    }
  );
}

export async function setManagerPassword(db: Db, login: string, passwordHash: string): Promise<boolean> {
  const res = await db.updateTable('managers').set({ password_hash: passwordHash }).where('login', '=', login).executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

export async function maxManagerToken(db: Db): Promise<number> {
  const row = await db.selectFrom('managers').select((eb) => eb.fn.max('token').as('max')).executeTakeFirst();
  return Number(row?.max ?? 0);
}
