// Birthdates (spec §4.2) are calendar dates 'YYYY-MM-DD' as written by the caller.

export const EARLIEST_BIRTHDATE = '1900-01-01';

/** Today where it is latest on Earth (UTC+14): no valid birthdate lies after it. */
export function latestBirthdate(now: Date = new Date()): string {
  return new Date(now.getTime() + 14 * 3600_000).toISOString().slice(0, 10);
}

export function isBirthdateInRange(date: string, now: Date = new Date()): boolean {
  return date >= EARLIEST_BIRTHDATE && date <= latestBirthdate(now);
}
