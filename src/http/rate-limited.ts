// A rate limit refuses a request by throwing RateLimited inside its transaction (so that
// nothing it counted or wrote stays); over HTTP that is 429 with Retry-After.
import { RateLimited } from '../auth/rate-limits.ts';
import { failures } from './errors.ts';

export async function rateLimitedAs429<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof RateLimited) throw failures.tooManyRequests(err.retryAfterSeconds);
    throw err;
  }
}
