// Limits on confirmation-code requests, against SMS pumping (docs/participant-sign-in.md):
// per phone 1 per minute and 5 per hour, per client address and per operator per day
// (both configurable). The counters live in the database; all of a request's hits are
// counted in its transaction, and a refused request rolls them all back, so it costs no
// one's budget.
import type { Config } from '../config.ts';
import type { Db } from '../db/directory.ts';
import { countHit } from './store/rate-counters.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface Limit {
  key: string;
  max: number;
  windowMs: number;
}

/** Thrown inside the request's transaction (rolling it back); the HTTP layer answers 429. */
export class RateLimited extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`rate limited; retry after ${retryAfterSeconds} s`);
    this.name = 'RateLimited';
  }
}

export interface CodeRequester {
  operatorId: number;
  phone: number;
  /** The client's address; undefined for an authenticated caller (ClientCreate by a manager). */
  address: string | undefined;
}

/** The limits a code request counts against; a limit of 0 is off. */
export function codeRequestLimits(config: Pick<Config, 'codeLimitPerAddressHour' | 'codeLimitPerOperatorDay'>, r: CodeRequester): Limit[] {
  const phone = `code:phone:${r.operatorId}:${r.phone}`;
  const limits: Limit[] = [
    { key: `${phone}:minute`, max: 1, windowMs: MINUTE },
    { key: `${phone}:hour`, max: 5, windowMs: HOUR },
  ];
  if (r.address !== undefined && config.codeLimitPerAddressHour > 0) limits.push({ key: `code:address:${r.address}:hour`, max: config.codeLimitPerAddressHour, windowMs: HOUR });
  if (config.codeLimitPerOperatorDay > 0) limits.push({ key: `code:operator:${r.operatorId}:day`, max: config.codeLimitPerOperatorDay, windowMs: DAY });
  return limits;
}

/** Counts a hit on every limit; throws RateLimited (with the longest wait) when any is exceeded. */
export async function spendLimits(tx: Db, limits: readonly Limit[], now: Date): Promise<void> {
  let wait: number | undefined;
  for (const l of limits) {
    const hit = await countHit(tx, l.key, l.windowMs, now);
    if (hit.hits > l.max) wait = Math.max(wait ?? 1, Math.ceil((hit.windowStart.getTime() + l.windowMs - now.getTime()) / 1000));
  }
  if (wait !== undefined) throw new RateLimited(wait);
}
