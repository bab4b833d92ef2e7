// Access tokens: HS256 JWTs with the claims of auth.md. The service's own claims are
// strings (as OWIN wrote them); several roles become an array of strings.
import { SignJWT, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import type { ClientPrincipal, ManagerPrincipal, Principal } from '../lib/principal.ts';

export interface JwtSettings {
  key: Uint8Array;
  issuer: string;
  audience: string;
  lifetimeSeconds: number;
}

/** OWIN's default clock skew. */
export const CLOCK_TOLERANCE_SECONDS = 300;

export function principalClaims(p: Principal): Record<string, string | string[]> {
  if (p.kind === 'client') return { client: String(p.clientId), oper: String(p.operatorId) };
  const claims: Record<string, string | string[]> = { user: p.login, oper: String(p.operatorId), token: String(p.token) };
  if (p.partnerId !== null) claims.partner = String(p.partnerId);
  if (p.posId !== null) claims.pos = String(p.posId);
  if (p.posCode !== null) claims.poscode = p.posCode;
  if (p.roles.length === 1) claims.role = p.roles[0]!;
  else if (p.roles.length > 1) claims.role = [...p.roles];
  return claims;
}

export async function signAccessToken(s: JwtSettings, p: Principal, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string> {
  return new SignJWT(principalClaims(p))
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(s.issuer)
    .setAudience(s.audience)
    .setIssuedAt(nowSeconds)
    .setNotBefore(nowSeconds)
    .setExpirationTime(nowSeconds + s.lifetimeSeconds)
    .sign(s.key);
}

/** An integer id claim; our tokens write strings, numbers are accepted too. */
function intClaim(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d{1,15}$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

function optionalInt(v: unknown): number | null | undefined {
  return v === undefined || v === null ? null : intClaim(v);
}

function toPrincipal(c: JWTPayload): Principal | undefined {
  const operatorId = intClaim(c.oper);
  if (operatorId === undefined) return undefined;
  if (c.client !== undefined) {
    const clientId = intClaim(c.client);
    if (clientId === undefined || c.user !== undefined) return undefined;
    const principal: ClientPrincipal = { kind: 'client', clientId, operatorId };
    return principal;
  }
  const token = intClaim(c.token);
  const partnerId = optionalInt(c.partner);
  const posId = optionalInt(c.pos);
  if (typeof c.user !== 'string' || c.user === '' || token === undefined || partnerId === undefined || posId === undefined) return undefined;
  if (c.poscode !== undefined && typeof c.poscode !== 'string') return undefined;
  const role = c.role;
  const roles = role === undefined ? [] : typeof role === 'string' ? [role] : role;
  if (!Array.isArray(roles) || !roles.every((r): r is string => typeof r === 'string')) return undefined;
  const principal: ManagerPrincipal = {
    kind: 'manager',
    login: c.user,
    operatorId,
    token,
    partnerId,
    posId,
    posCode: c.poscode ?? null,
    roles,
  };
  return principal;
}

/** The principal of a valid token, or undefined for anything else (never throws). */
export async function verifyAccessToken(s: JwtSettings, jwt: string, currentDate?: Date): Promise<Principal | undefined> {
  return (await verifyAccessTokenWindow(s, jwt, currentDate))?.principal;
}

/** A verified token's principal and the times (epoch seconds, tolerance included) it is valid between. */
export interface VerifiedToken {
  principal: Principal;
  validFrom: number;
  validUntil: number;
}

export async function verifyAccessTokenWindow(s: JwtSettings, jwt: string, currentDate?: Date): Promise<VerifiedToken | undefined> {
  try {
    const { payload } = await jwtVerify(jwt, s.key, {
      algorithms: ['HS256'],
      issuer: s.issuer,
      audience: s.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp'],
      ...(currentDate ? { currentDate } : {}),
    });
    const principal = toPrincipal(payload);
    if (!principal) return undefined;
    return {
      principal,
      validFrom: (payload.nbf ?? Number.NEGATIVE_INFINITY) - CLOCK_TOLERANCE_SECONDS,
      validUntil: payload.exp! + CLOCK_TOLERANCE_SECONDS,
    };
  } catch {
    return undefined;
  }
}
