// JSON responses as Json.NET wrote them: members in declaration order, no whitespace,
// dates of kind Unspecified as 'YYYY-MM-DDT00:00:00'.
import type { FieldDecl, FieldType } from '../contract/types.ts';
import { dateTimeText } from './encode-values.ts';

export function jsonObject(fields: readonly FieldDecl[], value: Readonly<Record<string, unknown>>): string {
  return `{${fields.map((f) => `${JSON.stringify(f.name)}:${jsonValue(f.type, value[f.name])}`).join(',')}}`;
}

function jsonValue(type: FieldType, v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof type === 'string') {
    switch (type) {
      case 'int16':
      case 'int32':
      case 'int64':
        return String(Number(v));
      case 'boolean':
        return v ? 'true' : 'false';
      case 'date':
        return JSON.stringify(dateTimeText(String(v)));
      default:
        return JSON.stringify(String(v));
    }
  }
  if (type.kind === 'object') return jsonObject(type.fields, v as Record<string, unknown>);
  return `[${(v as readonly unknown[]).map((item) => jsonValue(type.of, item)).join(',')}]`;
}
