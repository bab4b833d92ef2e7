// Conversions at the store boundary, shared by the repositories.
import type { DbBool } from './schema.ts';

export function toBool(v: DbBool | null): boolean | null {
  return v === null ? null : v === true || v === 1;
}

/** Booleans are bound as 0/1: better-sqlite3 cannot bind JS booleans, PostgreSQL reads '1'/'0'. */
export function fromBool(v: boolean | null | undefined): 0 | 1 | null {
  return v === null || v === undefined ? null : v ? 1 : 0;
}

export function nowIso(): string {
  return new Date().toISOString();
}

/** Case-insensitive keys: POS and widget codes compare upper-cased, e-mails lower-cased. */
export function codeKey(code: string): string {
  return code.trim().toUpperCase();
}

export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The search key of a surname or a name: lower-cased (any script), ё read as е, so that the
 * console's prefix search ignores letter case and that spelling difference.
 */
export function nameKey(text: string): string {
  return text.trim().toLowerCase().replaceAll('ё', 'е');
}
