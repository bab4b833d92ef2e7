// Character data of an XML body. The parser runs with entity processing off (so nothing
// can expand), which leaves references as written: the five predefined entities and
// numeric character references are decoded here, any other entity reference is refused.
import { DecodeError } from './decode-error.ts';

const REF = /&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|quot|apos));/y;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Element text: line breaks normalized to \n (XML 1.0 §2.11), then references decoded. */
export function xmlText(raw: string): string {
  return decodeReferences(raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw);
}

/** Attribute value: whitespace characters become spaces (XML 1.0 §3.3.3), then references decoded. */
export function xmlAttribute(raw: string): string {
  return decodeReferences(raw.includes('\r') || raw.includes('\n') || raw.includes('\t') ? raw.replace(/\r\n|[\r\n\t]/g, ' ') : raw);
}

function decodeReferences(s: string): string {
  let at = s.indexOf('&');
  if (at < 0) return s;
  let out = '';
  let from = 0;
  while (at >= 0) {
    out += s.slice(from, at);
    REF.lastIndex = at;
    const m = REF.exec(s);
    if (!m) throw new DecodeError('некорректный XML: ссылки на сущности, кроме &lt; &gt; &amp; &quot; &apos; и &#…;, не допускаются');
    const [whole, hex, dec, name] = m;
    if (name !== undefined) {
      out += PREDEFINED[name];
    } else {
      const cp = hex !== undefined ? parseInt(hex, 16) : Number(dec);
      if (!isXmlChar(cp)) throw new DecodeError(`некорректный XML: недопустимый символ ${whole}`);
      out += String.fromCodePoint(cp);
    }
    from = at + whole.length;
    at = s.indexOf('&', from);
  }
  return out + s.slice(from);
}

/** The Char production of XML 1.0. */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}
