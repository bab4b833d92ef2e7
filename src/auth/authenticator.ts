// Turns request headers into a principal, and issues the tokens that do so. Built once
// per app (buildApp) from config + store, so production and tests share it.
import type { Config } from '../config.ts';
import type { Store } from '../db/store.ts';
import type { Principal } from '../lib/principal.ts';
import { signAccessToken, verifyAccessTokenWindow } from './jwt.ts';
import { cachedVerifier } from './token-cache.ts';
import type { JwtSettings } from './jwt.ts';
import { resolveJwtSecret } from './secret.ts';
import type { SecretLog } from './secret.ts';

export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface Authenticator {
  /** The caller of a request with `Authorization` or `Mloyalty-Authorization: Bearer <jwt>`, or undefined. */
  authenticate(headers: RequestHeaders): Promise<Principal | undefined>;
  /**
   * authenticate's answer when it is known at once (a token verified before and still
   * valid), else undefined: then authenticate decides. Lets a route skip a promise per request.
   */
  authenticateKnown(headers: RequestHeaders): Principal | undefined;
  /** The principal of a bare JWT, or undefined when it is not valid now. */
  verifyAccessToken(jwt: string): Promise<Principal | undefined>;
  /** A signed access token for the principal (login endpoints, tests). */
  issueAccessToken(principal: Principal): Promise<string>;
  /** Access-token lifetime: the `expires_in` of login answers. */
  readonly accessLifetimeSeconds: number;
}

const BEARER = /^\s*bearer\s+(\S+)\s*$/i;

/** The bearer token of the first auth header that carries one (Mloyalty-… is the Evotor spelling). */
export function bearerToken(headers: RequestHeaders): string | undefined {
  for (const name of ['authorization', 'mloyalty-authorization']) {
    const raw = headers[name];
    const value = Array.isArray(raw) ? raw[0] : raw;
    const m = value === undefined ? null : BEARER.exec(value);
    if (m) return m[1];
  }
  return undefined;
}

export async function createAuthenticator(config: Config, store: Store, log: SecretLog): Promise<Authenticator> {
  const secret = await resolveJwtSecret(config, store, log);
  const settings: JwtSettings = {
    key: new TextEncoder().encode(secret),
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    lifetimeSeconds: config.jwtLifetimeMinutes * 60,
  };
  const verify = cachedVerifier((jwt) => verifyAccessTokenWindow(settings, jwt));
  return {
    accessLifetimeSeconds: settings.lifetimeSeconds,
    verifyAccessToken: verify,
    issueAccessToken: (principal) => signAccessToken(settings, principal),
    authenticate: async (headers) => {
      const jwt = bearerToken(headers);
      return jwt === undefined ? undefined : verify(jwt);
    },
    authenticateKnown: (headers) => {
      const jwt = bearerToken(headers);
      return jwt === undefined ? undefined : verify.cached(jwt);
    },
  };
}
