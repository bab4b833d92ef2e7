// XML responses as DataContractSerializer wrote them: no declaration; the root declares
// the instance and Models namespaces; members ordered base-class first, then each group
// alphabetically (ordinal); null as i:nil; base-class members in the Abstractions
// namespace; list items named after their item type.
import type { FieldDecl, FieldType, MessageDecl, ScalarType } from '../contract/types.ts';
import { XML_NS } from '../contract/types.ts';
import { dateTimeText } from './encode-values.ts';

const ARRAYS_NS = 'http://schemas.microsoft.com/2003/10/Serialization/Arrays';

/** DataContract names of the primitive item types of a list. */
const PRIMITIVE_NAME: Record<ScalarType, string> = {
  int16: 'short',
  int32: 'int',
  int64: 'long',
  string: 'string',
  boolean: 'boolean',
  date: 'dateTime',
  datetime: 'dateTimeOffset',
};

export function xmlMessage(message: MessageDecl, value: Readonly<Record<string, unknown>>): string {
  const name = message.typeName;
  return `<${name} xmlns:i="${XML_NS.instance}" xmlns="${XML_NS.models}">${xmlMembers(message.fields, value, XML_NS.models)}</${name}>`;
}

/** The HttpError body of Web API: `<Error><Message>…</Message></Error>`, no namespace. */
export function xmlError(message: string): string {
  return `<Error><Message>${escapeText(message)}</Message></Error>`;
}

// A declaration's fields are fixed: each list is ordered once.
const ordered = new WeakMap<readonly FieldDecl[], readonly FieldDecl[]>();

function dataContractOrder(fields: readonly FieldDecl[]): readonly FieldDecl[] {
  let order = ordered.get(fields);
  if (order === undefined) {
    const ordinal = (a: FieldDecl, b: FieldDecl) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    order = [...fields.filter((f) => f.baseClass).sort(ordinal), ...fields.filter((f) => !f.baseClass).sort(ordinal)];
    ordered.set(fields, order);
  }
  return order;
}

/** `defaultNs` is the default namespace in scope where the members are written. */
function xmlMembers(fields: readonly FieldDecl[], value: Readonly<Record<string, unknown>>, defaultNs: string): string {
  let out = '';
  for (const field of dataContractOrder(fields)) {
    const ns = field.baseClass ? XML_NS.abstractions : XML_NS.models;
    out += xmlElement(field.name, ns, defaultNs, field.type, value[field.name]);
  }
  return out;
}

function xmlElement(name: string, ns: string, defaultNs: string, type: FieldType, v: unknown): string {
  const nsAttr = ns === defaultNs ? '' : ` xmlns="${ns}"`;
  if (v === null || v === undefined) return `<${name}${nsAttr} i:nil="true"/>`;
  if (typeof type === 'string') return `<${name}${nsAttr}>${escapeText(scalarText(type, v))}</${name}>`;
  if (type.kind === 'object') return `<${name}${nsAttr}>${xmlMembers(type.fields, v as Record<string, unknown>, ns)}</${name}>`;
  const items = v as readonly unknown[];
  const of = type.of;
  if (typeof of === 'string') {
    const item = `d2p1:${PRIMITIVE_NAME[of]}`;
    const body = items.map((x) => (x === null || x === undefined ? `<${item} i:nil="true"/>` : `<${item}>${escapeText(scalarText(of, x))}</${item}>`)).join('');
    return `<${name}${nsAttr} xmlns:d2p1="${ARRAYS_NS}">${body}</${name}>`;
  }
  return `<${name}${nsAttr}>${items.map((x) => xmlElement(of.typeName, XML_NS.models, ns, of, x)).join('')}</${name}>`;
}

function scalarText(type: ScalarType, v: unknown): string {
  switch (type) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'date':
      return dateTimeText(String(v));
    case 'int16':
    case 'int32':
    case 'int64':
      return String(Number(v));
    default:
      return String(v);
  }
}

/**
 * Escapes character data. Characters XML 1.0 cannot carry at all (most C0 controls, lone
 * surrogates) become U+FFFD so the document stays well-formed; \r is written as a
 * reference so a reader's line-end normalization does not turn it into \n.
 */
export function escapeText(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/[&<>\r]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&#xD;'));
}
