// Who is calling: decided by the auth layer from the JWT, used by the domain to authorize.
import type { KeyClaim } from './key-claim.ts';

export interface ManagerPrincipal {
  kind: 'manager';
  login: string;
  operatorId: number;
  /** The manager's integer Token (the `token` claim). */
  token: number;
  partnerId: number | null;
  posId: number | null;
  posCode: string | null;
  roles: string[];
}

export interface ClientPrincipal {
  kind: 'client';
  clientId: number;
  operatorId: number;
}

export type Principal = ManagerPrincipal | ClientPrincipal;

/** What the domain knows about the call besides its typed request. */
export interface CallContext {
  principal: Principal;
  requestId: string;
  remoteAddress: string;
  /** The request's Idempotency-Key, when it sent one to an idempotent operation. */
  idempotency?: KeyClaim;
}

/** A domain answer that the HTTP layer turns into 403 (spec §4.5), in the negotiated format. */
export const FORBIDDEN = Object.freeze({ forbidden: true as const });
export type Forbidden = typeof FORBIDDEN;

export type Outcome<R> = R | Forbidden;

export function isForbidden<R>(o: Outcome<R>): o is Forbidden {
  return o === FORBIDDEN;
}
