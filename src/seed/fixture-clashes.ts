// Before a fixtures file is loaded: a row that would take a unique value another row
// already holds (a manager's Token, a participant's phone, e-mail or ContragentId) is named
// in words, instead of the database's "UNIQUE constraint failed: managers.token".
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import { emailKey } from '../db/convert.ts';

/** The rows of a fixtures file (fixtures.ts' Fixtures) that hold unique values. */
export interface UniqueRows {
  managers?: readonly { Login: string; Token: number }[];
  clients?: readonly { Client: number; Operator: number; Phone?: number | null; Email?: string | null; ContragentId?: string | null }[];
}

/** The first clash of the file with the stored data, described; undefined when there is none. */
export async function fixtureClash(db: Kysely<Database>, f: UniqueRows): Promise<string | undefined> {
  for (const [i, m] of (f.managers ?? []).entries()) {
    const holder = await db.selectFrom('managers').select('login').where('token', '=', m.Token).where('login', '!=', m.Login).executeTakeFirst();
    if (holder) return `managers[${i}] (${m.Login}) has Token ${m.Token}, which manager ${holder.login} already holds: give it another Token`;
  }
  for (const [i, c] of (f.clients ?? []).entries()) {
    const unique = [
      ['Phone', 'phone', c.Phone ?? null],
      ['Email', 'email_key', c.Email == null ? null : emailKey(c.Email)],
      ['ContragentId', 'contragent_id', c.ContragentId ?? null],
    ] as const;
    for (const [field, column, value] of unique) {
      if (value === null) continue;
      const holder = await db
        .selectFrom('participants')
        .select('id')
        .where('operator_id', '=', c.Operator)
        .where(column, '=', value as never)
        .where('id', '!=', c.Client)
        .executeTakeFirst();
      if (holder) return `clients[${i}] (Client ${c.Client}) has ${field} ${String(c[field])}, which participant ${holder.id} of operator ${c.Operator} already holds`;
    }
  }
  return undefined;
}
