// JSON bodies (application/json, text/json): a top-level object whose members are
// matched to the declaration case-insensitively; of two members with the same name
// (in any letter case) the later one wins, as Json.NET populates them in order.
import type { FieldDecl } from '../contract/types.ts';
import { DecodeError } from './decode-error.ts';
import type { Raw, RawObject } from './raw.ts';
import { RAW_NULL, fieldKey, nameKey, rawText } from './raw.ts';

export function readJsonBody(text: string): RawObject {
  if (text.trim() === '') throw new DecodeError('пустое тело запроса');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DecodeError('тело запроса не является корректным JSON');
  }
  if (!isPlainObject(parsed)) throw new DecodeError('тело запроса должно быть JSON-объектом');
  return jsonObject(parsed);
}

function jsonObject(value: Record<string, unknown>): RawObject {
  let members: Map<string, unknown> | undefined;
  return {
    kind: 'object',
    member(field: FieldDecl): Raw | undefined {
      if (!members) {
        members = new Map();
        // Own keys in text order (JSON.parse keeps the last of exact duplicates).
        for (const key of Object.keys(value)) members.set(nameKey(key), value[key]);
      }
      // JSON.parse makes no undefined values: undefined is an absent member.
      const member = members.get(fieldKey(field));
      return member === undefined ? undefined : jsonRaw(member);
    },
  };
}

function jsonRaw(value: unknown): Raw {
  if (value === null) return RAW_NULL;
  if (typeof value === 'string') return rawText(value);
  if (typeof value === 'number') return { kind: 'number', value };
  if (typeof value === 'boolean') return { kind: 'boolean', value };
  if (Array.isArray(value)) return { kind: 'list', items: () => value.map(jsonRaw) };
  if (isPlainObject(value)) return jsonObject(value);
  throw new DecodeError('тело запроса не является корректным JSON');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
