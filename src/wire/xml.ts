// DataContract XML bodies (application/xml, text/xml), read in any element order.
// Defences come first and are cheap: DOCTYPE/ENTITY declarations are refused before
// parsing (nothing is ever expanded or fetched), fast-xml-parser runs with entity
// processing off and a nesting limit, and elements with too many attributes are refused.
// The parser does not resolve namespaces, so xmlns scopes are resolved here (xml-element.ts).
// Bodies of the common shape are read in one pass instead (xml-scan.ts), to the same tree.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { FieldDecl, MessageDecl } from '../contract/types.ts';
import { XML_NS } from '../contract/types.ts';
import { DecodeError } from './decode-error.ts';
import type { Raw, RawObject } from './raw.ts';
import { RAW_NULL, fieldKey, nameKey, rawText } from './raw.ts';
import type { XmlElement } from './xml-element.ts';
import { ROOT_SCOPE, elementHead, xmlElement } from './xml-element.ts';
import { scanXml } from './xml-scan.ts';
import { xmlText } from './xml-text.ts';

/** DataContract messages are shallow; this bounds the parser's work on hostile nesting. */
const MAX_DEPTH = 32;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  trimValues: false,
  cdataPropName: '#cdata',
  commentPropName: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: false,
  allowBooleanAttributes: false,
  maxNestedTags: MAX_DEPTH,
});

/** The root element's members, for a request whose root must be `message.typeName`. */
export function readXmlBody(text: string, message: MessageDecl): RawObject {
  if (text.trim() === '') throw new DecodeError('пустое тело запроса');
  // (Both spellings start with '<!': most bodies skip the case-insensitive search.)
  if (text.includes('<!') && /<!(DOCTYPE|ENTITY)/i.test(text)) throw new DecodeError('некорректный XML: объявления DOCTYPE и ENTITY не допускаются');
  const root = scanXml(text, MAX_DEPTH) ?? parseXmlRoot(text);
  if (root.key !== nameKey(message.typeName) || (root.ns !== XML_NS.models && root.ns !== '')) {
    throw new DecodeError(`корневой элемент должен быть ${message.typeName} (пространство имён ${XML_NS.models} или без него)`);
  }
  return elementObject(root);
}

/** The document element read the full way: nesting limit, validator, fast-xml-parser. */
export function parseXmlRoot(text: string): XmlElement {
  checkDepth(text);
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (valid !== true) throw new DecodeError(`некорректный XML (строка ${valid.err.line})`);
  let nodes: unknown;
  try {
    nodes = parser.parse(text);
  } catch {
    throw new DecodeError('некорректный XML');
  }
  const roots = elementNodes(nodes);
  if (roots.length !== 1) throw new DecodeError('некорректный XML: ожидается один корневой элемент');
  return toElement(roots[0]!, ROOT_SCOPE);
}

/**
 * Refuses nesting beyond MAX_DEPTH with one linear scan, before the validator and the
 * parser build anything for it. Over-counting (a `<` inside a comment or CDATA) only
 * makes the limit stricter for bodies that are far from real messages anyway.
 */
function checkDepth(text: string): void {
  let depth = 0;
  let gt = -1;
  for (let i = text.indexOf('<'); i >= 0; i = text.indexOf('<', i + 1)) {
    const next = text.charCodeAt(i + 1);
    if (next === 0x2f /* / */) depth--;
    else if (next !== 0x21 /* ! */ && next !== 0x3f /* ? */) {
      // The next '>' is searched again only once passed, keeping the scan linear.
      if (gt < i) gt = text.indexOf('>', i);
      if (gt < 0) return; // unterminated: the validator refuses it
      if (text.charCodeAt(gt - 1) !== 0x2f) depth++;
      if (depth > MAX_DEPTH) throw new DecodeError('некорректный XML: слишком глубокая вложенность элементов');
    }
  }
}

type OrderedNode = Record<string, unknown>;

function elementNodes(nodes: unknown): OrderedNode[] {
  if (!Array.isArray(nodes)) return [];
  return nodes.filter((n): n is OrderedNode => typeof n === 'object' && n !== null && tagOf(n as OrderedNode) !== undefined);
}

/** The tag name of an element node (the one key that is not text, CDATA or attributes). */
function tagOf(node: OrderedNode): string | undefined {
  return Object.keys(node).find((k) => k !== ':@' && k !== '#text' && k !== '#cdata');
}

function toElement(node: OrderedNode, parentScope: ReadonlyMap<string, string>): XmlElement {
  const tag = tagOf(node)!;
  const rawAttrs = (node[':@'] ?? {}) as Record<string, unknown>;
  const names = Object.keys(rawAttrs);
  const head = elementHead(
    tag,
    names,
    names.map((name) => String(rawAttrs[name])),
    parentScope,
  );
  const children: XmlElement[] = [];
  let text = '';
  const content = node[tag];
  if (Array.isArray(content)) {
    for (const child of content as OrderedNode[]) {
      if (typeof child['#text'] === 'string') text += xmlText(child['#text']);
      else if (Array.isArray(child['#cdata'])) text += cdataText(child['#cdata']);
      else if (tagOf(child) !== undefined) children.push(toElement(child, head.scope));
    }
  }
  return xmlElement(head, children, text);
}

function cdataText(parts: unknown[]): string {
  return parts.map((p) => String((p as OrderedNode)['#text'] ?? '')).join('').replace(/\r\n?/g, '\n');
}

/**
 * Members of an object element: children in the element's own namespace, and for
 * base-class fields also the Abstractions/Models namespaces; other children are ignored.
 * Of repeated elements the last wins.
 */
function elementObject(el: XmlElement): RawObject {
  return { kind: 'object', member: (field) => memberOf(el, field) };
}

function memberOf(el: XmlElement, field: FieldDecl): Raw | undefined {
  const key = fieldKey(field);
  for (let i = el.children.length - 1; i >= 0; i--) {
    const child = el.children[i]!;
    if (child.key !== key) continue;
    const inNamespace = child.ns === el.ns || (field.baseClass === true && (child.ns === XML_NS.abstractions || child.ns === XML_NS.models));
    if (inNamespace) return elementRaw(child);
  }
  return undefined;
}

function elementRaw(el: XmlElement): Raw {
  if (el.nil) return RAW_NULL;
  if (el.children.length === 0) return rawText(el.text);
  return { kind: 'element', member: (field) => memberOf(el, field), items: () => el.children.map(elementRaw) };
}
