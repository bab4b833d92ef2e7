// Demo data for a first start on an empty database, so that a new user can log in and
// call the API right away.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Engine } from '../db/store.ts';
import type { Fixtures } from './fixtures.ts';
import { seed } from './fixtures.ts';

export const DEMO_LOGIN = 'demo';

export function demoFixtures(password: string): Fixtures {
  return {
    operators: [{ Id: 1, Name: 'Demo loyalty' }],
    partners: [{ Id: 10, Operator: 1, Name: 'Demo shop chain' }],
    poses: [{ Code: 'MSK-001', Partner: 10, Name: 'Demo store 1' }],
    sites: [{ Code: 'W-1', Operator: 1, Name: 'Demo gift widget', Active: true }],
    managers: [{ Login: DEMO_LOGIN, Password: password, Operator: 1, Token: 5001, Partner: 10, PosCode: 'MSK-001', Roles: ['admin'] }],
    clients: [
      { Client: 1, Operator: 1, Name: 'Иван', Surname: 'Петров', Patronymic: 'Сергеевич', Phone: 79160000001, Email: 'ivan@example.ru', Birthdate: '1990-05-15', Gender: 1, AllowSms: true, AllowEmail: false, AllowEmailOnlineCheque: false, ContragentId: '1C-0001' },
      { Client: 2, Operator: 1, Name: 'Мария', Surname: 'Иванова', Phone: 79160000002, Email: 'maria@example.ru', Birthdate: '1985-11-02', Gender: -1, AllowSms: false, AllowEmail: true },
      { Client: 3, Operator: 1, Name: 'Alex', Surname: 'Smith', Phone: 79160000003 },
    ],
  };
}

/**
 * Creates the demo data when the database holds no operator yet. Returns the demo
 * manager's generated password (to be shown once), or undefined when nothing was created.
 */
export async function ensureDemoData(db: Kysely<Database>, engine: Engine): Promise<string | undefined> {
  const any = await db.selectFrom('operators').select('id').limit(1).executeTakeFirst();
  if (any) return undefined;
  // Several processes starting at once on one empty database: one of them creates the demo
  // data (a later seed would replace the demo password another one printed).
  const claimed = await db.insertInto('settings').values({ key: 'demo_data', value: new Date().toISOString() }).onConflict((oc) => oc.column('key').doNothing()).returning('key').executeTakeFirst();
  if (!claimed) return undefined;
  const password = randomBytes(9).toString('base64url');
  await seed(db, engine, demoFixtures(password));
  return password;
}
