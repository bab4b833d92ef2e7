// Card numbers issued by ClientCreate: 13 digits in the EAN-13 in-store range (prefix 2,
// which no manufacturer code uses) with an EAN-13 check digit, so that cash-register
// scanners read printed cards and a mistyped digit is caught.
import { randomInt } from 'node:crypto';

export function eanCheckDigit(first12: string): number {
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(first12[i]) * (i % 2 === 0 ? 1 : 3);
  return (10 - (sum % 10)) % 10;
}

/** A random 13-digit card number with a valid check digit. Uniqueness is the store's job. */
export function randomCardNumber(): number {
  const body = `2${String(randomInt(0, 100_000_000_000)).padStart(11, '0')}`;
  return Number(`${body}${eanCheckDigit(body)}`);
}

/**
 * True for a number a caller may name as a card: a positive integer. Cards migrated from
 * the original have no fixed length or check digit, so none is demanded; the int64 reader
 * already refuses anything beyond 2^53.
 */
export function isAcceptableCardNumber(card: number): boolean {
  return Number.isSafeInteger(card) && card > 0;
}
