// Slows password guessing: 5 failed sign-ins for one username within 15 minutes lock
// that username for a minute (auth.md). State lives in the database, shared by processes.
import type { Db } from '../db/directory.ts';
import { clearFailures, lockedUntil, recordAttempt, recordFailure } from './store/login-failures.ts';
import type { FailurePolicy } from './store/login-failures.ts';

export const LOGIN_POLICY: FailurePolicy = Object.freeze({ maxFailures: 5, windowMs: 15 * 60_000, lockMs: 60_000 });

export interface Throttle {
  /** Seconds until the key may try again, or 0 when it may try now. */
  retryAfter(key: string): Promise<number>;
  /**
   * Starts an attempt: counts it as a failure up front (so that parallel guesses are
   * throttled like consecutive ones) and returns 0 when its password may be checked, else
   * the seconds to wait. A checked attempt that succeeds calls `succeeded`.
   */
  begin(key: string): Promise<number>;
  failed(key: string): Promise<void>;
  succeeded(key: string): Promise<void>;
}

export function createThrottle(db: Db, policy: FailurePolicy = LOGIN_POLICY, clock: () => Date = () => new Date()): Throttle {
  return {
    retryAfter: async (key) => {
      const now = clock();
      const until = await lockedUntil(db, key, now);
      return until ? Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)) : 0;
    },
    begin: async (key) => {
      const now = clock();
      const until = (await lockedUntil(db, key, now)) ?? (await recordAttempt(db, key, policy, now));
      return until ? Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000)) : 0;
    },
    failed: (key) => recordFailure(db, key, policy, clock()),
    succeeded: (key) => clearFailures(db, key),
  };
}

/** Keys per endpoint: a manager login and a client phone never share a count. */
export const throttleKey = {
  manager: (login: string) => `manager:${login}`,
  client: (operatorId: number | string, username: string) => `client:${operatorId}:${username}`,
};
