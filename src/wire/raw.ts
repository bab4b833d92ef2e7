// A format-neutral view of a received value, so one binder (bind.ts) applies the same
// conversions to JSON, XML and form bodies. Objects are looked up through the field
// declaration because each format matches names (and XML namespaces) its own way, and
// nested members are produced on demand so that a deeply nested body costs nothing
// unless the declaration descends into it.
import type { FieldDecl } from '../contract/types.ts';

export type Raw =
  | { readonly kind: 'null' }
  /** A JSON string, or the text of an XML element or form value. */
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | RawObject
  | { readonly kind: 'list'; items(): readonly Raw[] }
  /** An XML element with child elements: an object or a list, as the declaration says. */
  | (Members & { readonly kind: 'element'; items(): readonly Raw[] });

export interface Members {
  /** The received value of a declared field (names matched case-insensitively), or undefined. */
  member(field: FieldDecl): Raw | undefined;
}

export interface RawObject extends Members {
  readonly kind: 'object';
}

export const RAW_NULL: Raw = Object.freeze({ kind: 'null' });

export function rawText(text: string): Raw {
  return { kind: 'text', text };
}

/** Field-name key: .NET matches names with OrdinalIgnoreCase. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

const FIELD_KEYS = new Map<string, string>();

/** nameKey of a declared field's name, worked out once per name (the contract declares few). */
export function fieldKey(field: FieldDecl): string {
  let key = FIELD_KEYS.get(field.name);
  if (key === undefined) FIELD_KEYS.set(field.name, (key = nameKey(field.name)));
  return key;
}
