// A bound on how long a request waits for the database.

/** The code of DatabaseTimeout (read by driverError in errors.ts: 'unavailable', 'timeout'). */
export const DATABASE_TIMEOUT = 'LCM_DB_TIMEOUT';

/** Thrown when a request waited on the database longer than the configured bound. */
export class DatabaseTimeout extends Error {
  readonly code = DATABASE_TIMEOUT;
  constructor(ms: number) {
    super(`The database did not answer within ${ms} ms`);
    this.name = 'DatabaseTimeout';
  }
}

/**
 * Resolves or rejects as `work` does, or rejects with DatabaseTimeout after `ms`. The work
 * itself goes on (a write may still commit; its caller was told 503, never success).
 */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  if (!(ms > 0)) return work;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DatabaseTimeout(ms)), ms);
  });
  // A late rejection of the abandoned work must not become an unhandled rejection.
  work.catch(() => {});
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}
