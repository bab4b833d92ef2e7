// Real access tokens for tests, signed by the app's own authenticator.
import type { FastifyInstance } from 'fastify';
import { managerAccountByLogin, clientAccountById } from '../../src/auth/store/credentials.ts';

/** A manager token for a stored manager (fixtures: 'cashier', operator 1; 'other', operator 2). */
export async function managerToken(app: FastifyInstance, login = 'cashier'): Promise<string> {
  const account = await managerAccountByLogin(app.deps.store.db, login);
  if (!account) throw new Error(`no manager ${login}`);
  return app.deps.auth.issueAccessToken(account.principal);
}

/** A client token for a stored participant (its operator from the database). */
export async function clientToken(app: FastifyInstance, clientId: number): Promise<string> {
  const account = await clientAccountById(app.deps.store.db, clientId);
  if (!account) throw new Error(`no participant ${clientId}`);
  return app.deps.auth.issueAccessToken(account.principal);
}

export function bearer(jwt: string): { authorization: string } {
  return { authorization: `Bearer ${jwt}` };
}
