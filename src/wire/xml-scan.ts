// The common shape of a DataContract body read in one pass, without fast-xml-parser's
// validator and parser (two more passes and their machinery): an optional XML declaration,
// then elements with ASCII names, quoted attributes and text — no comments, CDATA,
// processing instructions or DOCTYPE, nesting within the limit. Anything else, and anything
// this reader would refuse, returns undefined: xml.ts then reads the body the full way, which
// accepts everything this reader accepts, builds the same tree, and words every refusal.
// (test/wire/xml-scan.test.ts compares the two.)
import { DecodeError } from './decode-error.ts';
import type { XmlElement } from './xml-element.ts';
import { MAX_ATTRIBUTES, ROOT_SCOPE, elementHead, xmlElement } from './xml-element.ts';
import { xmlText } from './xml-text.ts';

/** `<?xml version="1.0" encoding="…" standalone="…"?>` at the very start, as .NET and 1C write it. */
const DECLARATION = /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.0\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>/;

/** Names fast-xml-parser renames or refuses (they would touch Object.prototype). */
const RESERVED = new Set(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const EQ = 0x3d;
const QUOT = 0x22;
const APOS = 0x27;
const COLON = 0x3a;

/** The document element of a body of the common shape, or undefined (read it the full way). */
export function scanXml(text: string, maxDepth: number): XmlElement | undefined {
  try {
    return new Scanner(text, maxDepth).document();
  } catch (err) {
    // Refused here, refused there too: the full reader says why, in its order.
    if (err instanceof DecodeError) return undefined;
    throw err;
  }
}

class Scanner {
  private i = 0;

  constructor(
    private readonly s: string,
    private readonly maxDepth: number,
  ) {}

  document(): XmlElement | undefined {
    const s = this.s;
    if (s.startsWith('<?')) {
      const m = DECLARATION.exec(s);
      if (!m) return undefined;
      this.i = m[0].length;
    }
    this.skipSpace();
    if (s.charCodeAt(this.i) !== LT) return undefined;
    const root = this.element(ROOT_SCOPE, 1);
    if (!root) return undefined;
    this.skipSpace();
    return this.i === s.length ? root : undefined;
  }

  /** The element whose '<' is at i; i ends after it. */
  private element(parentScope: ReadonlyMap<string, string>, depth: number): XmlElement | undefined {
    if (depth > this.maxDepth) return undefined;
    const s = this.s;
    const tagStart = this.i + 1;
    const tagEnd = this.name(tagStart);
    if (tagEnd < 0) return undefined;
    const tag = s.slice(tagStart, tagEnd);
    if (RESERVED.has(tag)) return undefined;
    this.i = tagEnd;
    const names: string[] = [];
    const values: string[] = [];
    let empty: boolean;
    for (;;) {
      let c = s.charCodeAt(this.i);
      if (c === GT) {
        this.i++;
        empty = false;
        break;
      }
      if (c === SLASH) {
        if (s.charCodeAt(this.i + 1) !== GT) return undefined;
        this.i += 2;
        empty = true;
        break;
      }
      // An attribute, or the end of the tag, after white space.
      if (!isSpace(c)) return undefined;
      this.skipSpace();
      c = s.charCodeAt(this.i);
      if (c === GT || c === SLASH) continue;
      const nameEnd = this.name(this.i);
      if (nameEnd < 0) return undefined;
      const name = s.slice(this.i, nameEnd);
      if (RESERVED.has(name) || names.includes(name) || names.length === MAX_ATTRIBUTES) return undefined;
      this.i = nameEnd;
      this.skipSpace();
      if (s.charCodeAt(this.i) !== EQ) return undefined;
      this.i++;
      this.skipSpace();
      const quote = s.charCodeAt(this.i);
      if (quote !== QUOT && quote !== APOS) return undefined;
      const close = s.indexOf(quote === QUOT ? '"' : "'", this.i + 1);
      if (close < 0) return undefined;
      const value = s.slice(this.i + 1, close);
      if (value.includes('<')) return undefined;
      names.push(name);
      values.push(value);
      this.i = close + 1;
    }
    const head = elementHead(tag, names, values, parentScope);
    if (empty) return xmlElement(head, [], '');

    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      const lt = s.indexOf('<', this.i);
      if (lt < 0) return undefined;
      if (lt > this.i) text += xmlText(s.slice(this.i, lt));
      this.i = lt;
      const c = s.charCodeAt(lt + 1);
      if (c === SLASH) {
        const end = lt + 2 + tag.length;
        if (!s.startsWith(tag, lt + 2) || isNameChar(s.charCodeAt(end))) return undefined;
        this.i = end;
        this.skipSpace();
        if (s.charCodeAt(this.i) !== GT) return undefined;
        this.i++;
        return xmlElement(head, children, text);
      }
      // Comments, CDATA, processing instructions: the full way.
      if (!isNameStart(c)) return undefined;
      const child = this.element(head.scope, depth + 1);
      if (!child) return undefined;
      children.push(child);
    }
  }

  /** The end of a name (NCName, or prefix:NCName, in ASCII) starting at `from`, or -1. */
  private name(from: number): number {
    const s = this.s;
    if (!isNameStart(s.charCodeAt(from))) return -1;
    let i = from + 1;
    let colon = false;
    for (;;) {
      const c = s.charCodeAt(i);
      if (isNameChar(c)) i++;
      else if (c === COLON && !colon && isNameStart(s.charCodeAt(i + 1))) {
        colon = true;
        i += 2;
      } else return i;
    }
  }

  private skipSpace(): void {
    const s = this.s;
    while (isSpace(s.charCodeAt(this.i))) this.i++;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
}
