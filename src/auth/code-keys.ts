// Keys of the confirmation codes, derived from the service's JWT secret (one secret to
// manage; each use gets its own key by HMAC with a label, so no key serves two purposes).
// A 6-digit code has only 10^6 values: a plain or salted SHA-256 of it is reversed by
// trying them all in well under a second, by anyone who can read the table. Keyed by a
// secret the database does not hold, the stored HMAC reveals nothing without that secret.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Store } from '../db/store.ts';
import { resolveJwtSecret } from './secret.ts';
import type { SecretLog } from './secret.ts';

export interface CodeKeys {
  /** Keys the stored code hashes. */
  readonly hash: Buffer;
  /** AES-256-GCM key of the code messages waiting for delivery. */
  readonly seal: Buffer;
}

export function deriveCodeKeys(secret: string): CodeKeys {
  const derive = (label: string) => createHmac('sha256', secret).update(label).digest();
  return Object.freeze({ hash: derive('lcm confirmation code hash v1'), seal: derive('lcm confirmation code seal v1') });
}

export async function loadCodeKeys(config: Config, store: Store, log: SecretLog): Promise<CodeKeys> {
  return deriveCodeKeys(await resolveJwtSecret(config, store, log));
}

/** A new 6-digit code from the operating system's cryptographic random source. */
export function newCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** The code as typed: a code sent as a JSON number loses its leading zeros; they are put back. */
export function typedCode(code: string | undefined): string {
  const text = (code ?? '').trim();
  return /^\d{1,6}$/.test(text) ? text.padStart(6, '0') : text;
}

/** Hex HMAC of the code, bound to its operator and phone: a code is good for that pair only. */
export function codeHash(keys: CodeKeys, operatorId: number, phone: number, code: string): string {
  return createHmac('sha256', keys.hash).update(`${operatorId}:${phone}:${code}`).digest('hex');
}

/** Constant-time comparison of two hex hashes. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function seal(keys: CodeKeys, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.seal, iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** The sealed text, or undefined when it was sealed with another key (the secret changed) or altered. */
export function unseal(keys: CodeKeys, sealed: string): string | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', keys.seal, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
