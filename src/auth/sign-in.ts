// The OAuth token endpoints of auth.md as plain functions: form fields in, status and
// OAuth JSON body out. The HTTP layer only decodes the form and writes the answer.
import { createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Db } from '../db/directory.ts';
import type { Principal } from '../lib/principal.ts';
import { DUMMY_HASH, verifyPassword } from './password.ts';
import { clientAccountById, clientAccountByPhone, managerAccountById, managerAccountByLogin } from './store/credentials.ts';
import { saveRefreshToken, takeRefreshToken } from './store/refresh-tokens.ts';
import type { RefreshGrant, RefreshKind } from './store/refresh-tokens.ts';
import type { Authenticator } from './authenticator.ts';
import { createThrottle, throttleKey } from './throttle.ts';
import type { Throttle } from './throttle.ts';
import { loginPhone } from './login-phone.ts';

export interface TokenBody {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  refresh_token: string;
}

export interface OAuthErrorBody {
  error: string;
  error_description?: string;
}

export type SignInAnswer =
  | { status: 200; body: TokenBody }
  | { status: 400 | 401; body: OAuthErrorBody }
  | { status: 429; body: OAuthErrorBody; retryAfter: number };

/** Form fields by name (names compare case-insensitively, as ASP.NET's form collection did). */
export type FormFields = (name: string) => string | undefined;

const INVALID_GRANT = { status: 401, body: { error: 'invalid_grant', error_description: 'Provided username and password is incorrect' } } as const;
const UNSUPPORTED_GRANT = { status: 400, body: { error: 'unsupported_grant_type' } } as const;
const INVALID_OPERATOR = { status: 400, body: { error: 'invalid_operator' } } as const;

function locked(retryAfter: number): SignInAnswer {
  return { status: 429, retryAfter, body: { error: 'invalid_grant', error_description: 'Too many failed sign-in attempts; try again later' } };
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface SignIn {
  manager(form: FormFields): Promise<SignInAnswer>;
  client(form: FormFields): Promise<SignInAnswer>;
}

export function createSignIn(config: Config, db: Db, auth: Authenticator, throttle: Throttle = createThrottle(db)): SignIn {
  async function issue(principal: Principal, grant: RefreshGrant): Promise<SignInAnswer> {
    const accessToken = await auth.issueAccessToken(principal);
    const refreshToken = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + config.refreshLifetimeMinutes * 60_000);
    await saveRefreshToken(db, hashRefreshToken(refreshToken), grant, expiresAt);
    return {
      status: 200,
      body: { access_token: accessToken, token_type: 'bearer', expires_in: auth.accessLifetimeSeconds, refresh_token: refreshToken },
    };
  }

  /**
   * The password check shared by both endpoints: the lock (counting this attempt) first, then one scrypt
   * verification whether or not the account exists (same answer, similar time).
   */
  async function checkPassword<A extends { passwordHash: string | null }>(
    key: string,
    password: string,
    find: () => Promise<A | undefined>,
  ): Promise<A | SignInAnswer> {
    // Counted as a failure before the check, so parallel guesses cannot all pass the lock.
    const wait = await throttle.begin(key);
    if (wait > 0) return locked(wait);
    const account = await find();
    const matches = await verifyPassword(password, account?.passwordHash ?? DUMMY_HASH);
    if (!account || account.passwordHash === null || !matches) return INVALID_GRANT;
    await throttle.succeeded(key);
    return account;
  }

  async function refresh(form: FormFields, kind: RefreshKind): Promise<SignInAnswer> {
    const token = form('refresh_token');
    if (!token) return INVALID_GRANT;
    const grant = await takeRefreshToken(db, hashRefreshToken(token), kind);
    if (!grant) return INVALID_GRANT;
    // Fresh claims from the stored account: roles or POS may have changed since.
    const account = kind === 'manager' ? await managerAccountById(db, grant.subjectId) : await clientAccountById(db, grant.subjectId);
    if (!account || account.principal.operatorId !== grant.operatorId) return INVALID_GRANT;
    return issue(account.principal, grant);
  }

  return {
    async manager(form) {
      const grantType = form('grant_type');
      if (grantType === 'refresh_token') return refresh(form, 'manager');
      if (grantType !== 'password') return UNSUPPORTED_GRANT;
      const username = form('username') ?? '';
      const password = form('password') ?? '';
      if (username === '' || password === '') return INVALID_GRANT;
      const checked = await checkPassword(throttleKey.manager(username), password, () => managerAccountByLogin(db, username));
      if ('status' in checked) return checked;
      return issue(checked.principal, { kind: 'manager', subjectId: checked.id, operatorId: checked.principal.operatorId });
    },

    async client(form) {
      const grantType = form('grant_type');
      if (grantType === 'refresh_token') return refresh(form, 'client');
      if (grantType !== 'password') return UNSUPPORTED_GRANT;
      const operatorText = (form('operator') ?? '').trim();
      const operatorId = /^\d{1,9}$/.test(operatorText) ? Number(operatorText) : 0;
      if (operatorId <= 0) return INVALID_OPERATOR;
      const username = (form('username') ?? '').trim();
      const password = form('password') ?? '';
      if (username === '' || password === '') return INVALID_GRANT;
      const phone = loginPhone(username);
      const key = throttleKey.client(operatorId, phone === undefined ? username : String(phone));
      const checked = await checkPassword(key, password, async () => (phone === undefined ? undefined : clientAccountByPhone(db, operatorId, phone)));
      if ('status' in checked) return checked;
      return issue(checked.principal, { kind: 'client', subjectId: checked.id, operatorId });
    },
  };
}
