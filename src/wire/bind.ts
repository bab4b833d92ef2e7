// Binds a received object to a message declaration: every declared field that carries a
// value is read as its declared type; null, absent and "" leave the field missing; names
// not declared are never looked at. The only place where request values are converted.
import type { FieldDecl, FieldType } from '../contract/types.ts';
import { DecodeError } from './decode-error.ts';
import type { Members, Raw } from './raw.ts';
import { readScalar } from './scalars.ts';

export type Bound = Record<string, unknown>;

export function bindFields(fields: readonly FieldDecl[], source: Members, path = ''): Bound {
  const out: Bound = {};
  for (const field of fields) {
    const raw = source.member(field);
    if (raw === undefined) continue;
    const value = bindValue(field.type, raw, `${path}${field.name}`, field.format);
    if (value !== undefined) out[field.name] = value;
  }
  return out;
}

function bindValue(type: FieldType, raw: Raw, label: string, format?: FieldDecl['format']): unknown {
  if (raw.kind === 'null') return undefined;
  if (typeof type === 'string') return readScalar(type, raw, label, format);
  if (type.kind === 'object') {
    if (raw.kind === 'object' || raw.kind === 'element') return bindFields(type.fields, raw, `${label}.`);
    if (raw.kind === 'text' && raw.text === '') return undefined;
    throw new DecodeError(`поле ${label}: ожидается объект ${type.typeName}`);
  }
  if (raw.kind === 'list' || raw.kind === 'element') {
    return raw.items().map((item, i) => {
      const value = bindValue(type.of, item, `${label}[${i}]`);
      if (value === undefined) throw new DecodeError(`поле ${label}[${i}]: пустой элемент списка`);
      return value;
    });
  }
  // `""`, and an XML list element with no items (only blank text), carry no value.
  if (raw.kind === 'text' && raw.text.trim() === '') return undefined;
  throw new DecodeError(`поле ${label}: ожидается список`);
}
