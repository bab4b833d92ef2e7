// JSON Schemas (OpenAPI 3.1) of declared messages, with the XML names and namespaces of
// their DataContracts.
import type { FieldDecl, FieldType, MessageDecl, ObjectType, ScalarType } from '../../contract/types.ts';
import { XML_NS } from '../../contract/types.ts';

export type Schema = Record<string, unknown>;

const INT_RANGE = { int16: [-32768, 32767], int32: [-2147483648, 2147483647] } as const;

function scalarSchema(type: ScalarType): Schema {
  switch (type) {
    case 'int16':
    case 'int32':
      return { type: 'integer', format: 'int32', minimum: INT_RANGE[type][0], maximum: INT_RANGE[type][1] };
    case 'int64':
      return { type: 'integer', format: 'int64' };
    case 'boolean':
      return { type: 'boolean' };
    case 'date':
      return { type: 'string', description: 'date: YYYY-MM-DD, written as YYYY-MM-DDT00:00:00 (any time and offset are ignored when read)', examples: ['2025-10-30T00:00:00'] };
    case 'datetime':
      return { type: 'string', format: 'date-time' };
    case 'string':
      return { type: 'string' };
  }
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** A phone in a request: an integer, or text as people write phones (spec §4.3). */
const PHONE_TEXT: Schema = {
  type: ['integer', 'string'],
  pattern: '^\\s*\\+?[0-9\\s().-]+\\s*$',
  description: 'an integer, or a string of digits with an optional leading + and the separators space - . ( ) ("+7 (916) 123-45-67")',
};

/** `nullable`: a request field (absent/null both mean "not given") or a nullable response field. */
function fieldSchema(field: FieldDecl, nullable: boolean, components: Map<string, Schema>, request: boolean): Schema {
  const base = request && field.format === 'phone' ? PHONE_TEXT : typeSchema(field.type, components);
  const types = Array.isArray(base.type) ? base.type : [base.type];
  const schema: Schema = nullable ? (base.$ref ? { oneOf: [base, { type: 'null' }] } : { ...base, type: [...types, 'null'] }) : { ...base };
  const description = typeof base.description === 'string' ? `${field.description}; ${base.description}` : field.description;
  return {
    ...schema,
    description,
    ...(field.baseClass ? { xml: { namespace: XML_NS.abstractions } } : {}),
  };
}

function typeSchema(type: FieldType, components: Map<string, Schema>): Schema {
  if (typeof type === 'string') return scalarSchema(type);
  if (type.kind === 'object') {
    addObject(type, components, false);
    return ref(type.typeName);
  }
  return { type: 'array', items: typeSchema(type.of, components), xml: { wrapped: true } };
}

function addObject(type: ObjectType | MessageDecl, components: Map<string, Schema>, request: boolean): void {
  if (components.has(type.typeName)) return;
  components.set(type.typeName, {}); // reserves the name (recursion)
  const properties: Record<string, Schema> = {};
  for (const f of type.fields) properties[f.name] = fieldSchema(f, request || f.nullable === true, components, request);
  components.set(type.typeName, {
    type: 'object',
    properties,
    // An answer holds exactly its declared members; a request's unknown names are ignored.
    ...(request ? {} : { required: type.fields.map((f) => f.name), additionalProperties: false }),
    xml: { name: type.typeName, namespace: XML_NS.models },
  });
}

/** Adds the message's schema (and those it uses) to `components`; returns a $ref to it. */
export function messageSchema(message: MessageDecl, components: Map<string, Schema>, request: boolean): Schema {
  addObject(message, components, request);
  return ref(message.typeName);
}
