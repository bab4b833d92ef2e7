// An element of an XML body as the binder sees it, and how its name, namespace and nil
// are read from its tag and attributes: shared by the two readers of xml.ts (fast-xml-parser,
// and the one-pass reader of common bodies in xml-scan.ts), so that both build the same tree.
import { XML_NS } from '../contract/types.ts';
import { DecodeError } from './decode-error.ts';
import { nameKey } from './raw.ts';
import { xmlAttribute } from './xml-text.ts';

export interface XmlElement {
  /** nameKey of its local name: members are matched by it. */
  readonly key: string;
  readonly ns: string;
  readonly nil: boolean;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

/** An element's name, namespace and nil, and the namespace scope its children inherit. */
export interface ElementHead {
  readonly local: string;
  readonly ns: string;
  readonly nil: boolean;
  readonly scope: ReadonlyMap<string, string>;
}

export const MAX_ATTRIBUTES = 32;
const XML_PREFIX_NS = 'http://www.w3.org/XML/1998/namespace';

/** The scope of the document element: only the `xml` prefix is bound. Never changed (scopes are copied on write). */
export const ROOT_SCOPE: ReadonlyMap<string, string> = new Map([['xml', XML_PREFIX_NS]]);

/**
 * Reads an element's tag and its attributes as written (`values` not yet unescaped), in
 * document order, within its parent's scope. Throws DecodeError for too many attributes,
 * an unbound prefix or an unreadable reference in a value.
 */
export function elementHead(tag: string, names: readonly string[], values: readonly string[], parentScope: ReadonlyMap<string, string>): ElementHead {
  if (names.length > MAX_ATTRIBUTES) throw new DecodeError('некорректный XML: слишком много атрибутов');
  let scope = parentScope;
  let attrNames: string[] | undefined;
  let attrValues: string[] | undefined;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = xmlAttribute(values[i]!);
    if (name === 'xmlns' || name.startsWith('xmlns:')) {
      if (scope === parentScope) scope = new Map(parentScope);
      (scope as Map<string, string>).set(name === 'xmlns' ? '' : name.slice(6), value);
    } else {
      (attrNames ??= []).push(name);
      (attrValues ??= []).push(value);
    }
  }
  const colon = tag.indexOf(':');
  const local = colon < 0 ? tag : tag.slice(colon + 1);
  const ns = resolve(scope, colon < 0 ? '' : tag.slice(0, colon), tag);
  let nil = false;
  if (attrNames) {
    for (let i = 0; i < attrNames.length; i++) {
      const name = attrNames[i]!;
      const c = name.indexOf(':');
      // Only a prefixed `nil` has its prefix resolved (an unbound one is an error), up to the first nil.
      if (c > 0 && name.slice(c + 1) === 'nil' && resolve(scope, name.slice(0, c), name) === XML_NS.instance && isTrue(attrValues![i]!)) {
        nil = true;
        break;
      }
    }
  }
  return { local, ns, nil, scope };
}

export function xmlElement(head: ElementHead, children: readonly XmlElement[], text: string): XmlElement {
  return { key: nameKey(head.local), ns: head.ns, nil: head.nil, children, text };
}

function isTrue(value: string): boolean {
  const v = value.trim();
  return v === 'true' || v === '1';
}

function resolve(scope: ReadonlyMap<string, string>, prefix: string, qname: string): string {
  const ns = scope.get(prefix);
  if (ns === undefined && prefix !== '') throw new DecodeError(`некорректный XML: не объявлен префикс пространства имён в ${qname}`);
  return ns ?? '';
}
