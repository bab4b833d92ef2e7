// Names the help pages and OpenAPI give to operations and wire types.
import type { FieldType, ObjectType, OperationDecl } from '../../contract/types.ts';

/** 'POST api/client/ClientUpdate': the original's API title. */
export function apiTitle(op: OperationDecl): string {
  return `POST ${canonicalRoute(op).slice(1)}`;
}

export function canonicalRoute(op: OperationDecl): string {
  return op.routes[0]!;
}

/** 'POST-api-client-ClientUpdate': the id in /Help/Api/<id>. */
export function helpId(op: OperationDecl): string {
  return `POST-${canonicalRoute(op).slice(1).replace(/\//g, '-')}`;
}

export function helpPath(op: OperationDecl): string {
  return `/Help/Api/${helpId(op)}`;
}

/** The type column of the help page, in the original's words. */
export function helpTypeName(type: FieldType): string {
  if (typeof type === 'string') {
    switch (type) {
      case 'int16':
      case 'int32':
      case 'int64':
        return 'integer';
      case 'date':
      case 'datetime':
        return 'date';
      default:
        return type;
    }
  }
  if (type.kind === 'object') return type.typeName;
  return `Collection of ${helpTypeName(type.of)}`;
}

/** Every object type reachable from these fields, each once, in order of appearance. */
export function nestedTypes(fields: readonly { type: FieldType }[], seen = new Map<string, ObjectType>()): ObjectType[] {
  for (const f of fields) {
    const t = typeof f.type !== 'string' && f.type.kind === 'array' ? f.type.of : f.type;
    if (typeof t === 'string' || seen.has(t.typeName)) continue;
    seen.set(t.typeName, t);
    nestedTypes(t.fields, seen);
  }
  return [...seen.values()];
}
