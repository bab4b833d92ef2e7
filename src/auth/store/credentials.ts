// What sign-in reads: a manager with the POS code its token names, and a participant's
// password hash by operator and phone.
import type { Db } from '../../db/directory.ts';
import type { ClientPrincipal, ManagerPrincipal } from '../../lib/principal.ts';

export interface ManagerAccount {
  id: number;
  passwordHash: string;
  principal: ManagerPrincipal;
}

function managerQuery(db: Db) {
  return db
    .selectFrom('managers as m')
    .leftJoin('poses as p', 'p.id', 'm.pos_id')
    .select(['m.id', 'm.login', 'm.password_hash', 'm.token', 'm.operator_id', 'm.partner_id', 'm.pos_id', 'm.roles', 'p.code as pos_code']);
}

type ManagerRow = Awaited<ReturnType<ReturnType<typeof managerQuery>['executeTakeFirstOrThrow']>>;

function toAccount(row: ManagerRow): ManagerAccount {
  return {
    id: row.id,
    passwordHash: row.password_hash,
    principal: {
      kind: 'manager',
      login: row.login,
      operatorId: row.operator_id,
      token: row.token,
      partnerId: row.partner_id,
      posId: row.pos_id,
      posCode: row.pos_code,
      roles: JSON.parse(row.roles) as string[],
    },
  };
}

export async function managerAccountByLogin(db: Db, login: string): Promise<ManagerAccount | undefined> {
  const row = await managerQuery(db).where('m.login', '=', login).executeTakeFirst();
  return row && toAccount(row);
}

export async function managerAccountById(db: Db, id: number): Promise<ManagerAccount | undefined> {
  const row = await managerQuery(db).where('m.id', '=', id).executeTakeFirst();
  return row && toAccount(row);
}

export interface ClientAccount {
  id: number;
  passwordHash: string | null;
  principal: ClientPrincipal;
}

export async function clientAccountByPhone(db: Db, operatorId: number, phone: number): Promise<ClientAccount | undefined> {
  const row = await db
    .selectFrom('participants')
    .select(['id', 'operator_id', 'password_hash'])
    .where('operator_id', '=', operatorId)
    .where('phone', '=', phone)
    .executeTakeFirst();
  return row && { id: row.id, passwordHash: row.password_hash, principal: { kind: 'client', clientId: row.id, operatorId: row.operator_id } };
}

export async function clientAccountById(db: Db, id: number): Promise<ClientAccount | undefined> {
  const row = await db.selectFrom('participants').select(['id', 'operator_id', 'password_hash']).where('id', '=', id).executeTakeFirst();
  return row && { id: row.id, passwordHash: row.password_hash, principal: { kind: 'client', clientId: row.id, operatorId: row.operator_id } };
}
