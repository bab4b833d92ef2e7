// A generated request (members, envelope) written as a JSON, XML or form body, and what the
// fuzzer's model expects the service to read from it: the field values after the format's
// duplicate rules and namespaces, or that the body cannot be read at all.
import { XML_NS } from '../../../src/contract/types.ts';
import type { FieldDecl, MessageDecl, ScalarType } from '../../../src/contract/types.ts';
import type { Format, Read, Sem } from './fuzz-read.ts';
import { codePoints, hasLoneSurrogate, isXmlChar, poisonsBody, readAs, textOf } from './fuzz-read.ts';

export type MemberNs = 'inherit' | 'abs' | 'models' | 'other';

export interface Member {
  /** As written (a spelling of the field's name, or an unknown name). */
  name: string;
  /** The declared field it names; undefined for unknown names. */
  field: FieldDecl | undefined;
  sem: Sem;
  /** XML only: the namespace of the element, declared with a prefix or as the default. */
  ns: MemberNs;
  prefixed: boolean;
  cdata: boolean;
  /** Form only: write spaces as '+'. */
  plus: boolean;
}

export interface Envelope {
  /** XML root element name. */
  rootName: string;
  rootNs: 'models' | 'none' | 'wrong';
  xmlDeclaration: boolean;
  /** JSON top level: an object normally. */
  top: 'object' | 'array' | 'null' | 'string' | 'empty';
  bom: boolean;
  /** An unknown member this long is added (0 = none): over the 64 KiB limit → 413. */
  padding: number;
}

export interface GenRequest {
  members: Member[];
  env: Envelope;
}

export interface ExpectedRead {
  /** The body as a whole cannot be read (400). */
  bad: boolean;
  /** By declared field name. */
  fields: Record<string, Read>;
}

const NS_URI: Record<Exclude<MemberNs, 'inherit'>, string> = { abs: XML_NS.abstractions, models: XML_NS.models, other: 'urn:fuzz:other' };
const ROOT_NS: Record<Envelope['rootNs'], string> = { models: XML_NS.models, none: '', wrong: 'urn:fuzz:wrong' };

export function encodeBody(req: GenRequest, format: Format): Buffer {
  const members = req.env.padding > 0 ? [...req.members, padMember(req.env.padding)] : req.members;
  const text = format === 'json' ? jsonBody(members, req.env) : format === 'xml' ? xmlBody(members, req.env) : formBody(members);
  return Buffer.concat([req.env.bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, 'utf8')]);
}

function padMember(length: number): Member {
  return { name: 'Padding', field: undefined, sem: { t: 'str', s: 'p'.repeat(length) }, ns: 'inherit', prefixed: false, cdata: false, plus: false };
}

// ---- JSON ----------------------------------------------------------------------------

function jsonValue(sem: Sem): string {
  switch (sem.t) {
    case 'null':
      return 'null';
    case 'str':
      // JSON.stringify writes lone surrogates as \uXXXX escapes: valid UTF-8, odd strings.
      return JSON.stringify(sem.s);
    case 'num':
      return sem.lit;
    case 'bool':
      return String(sem.b);
    case 'obj':
      return `${'{"a":'.repeat(sem.depth)}1${'}'.repeat(sem.depth)}`;
    case 'arr':
      return `${'['.repeat(sem.depth)}1,2${']'.repeat(sem.depth)}`;
  }
}

function jsonBody(members: Member[], env: Envelope): string {
  const object = `{${members.map((m) => `${JSON.stringify(m.name)}:${jsonValue(m.sem)}`).join(',')}}`;
  switch (env.top) {
    case 'object':
      return object;
    case 'array':
      return `[${object}]`;
    case 'null':
      return 'null';
    case 'string':
      return JSON.stringify(object);
    case 'empty':
      return '';
  }
}

// ---- XML -----------------------------------------------------------------------------

/** Character data: markup escaped; characters XML cannot carry, and CR, as references. */
function xmlEscape(s: string): string {
  let out = '';
  for (const cp of codePoints(s)) {
    if (cp === 0x26) out += '&amp;';
    else if (cp === 0x3c) out += '&lt;';
    else if (cp === 0x3e) out += '&gt;';
    else if (cp === 0x0d || !isXmlChar(cp)) out += `&#x${cp.toString(16).toUpperCase()};`;
    else out += String.fromCodePoint(cp);
  }
  return out;
}

function xmlContent(m: Member): string {
  const sem = m.sem;
  if (sem.t === 'obj') return `${'<a>'.repeat(sem.depth)}x${'</a>'.repeat(sem.depth)}`;
  if (sem.t === 'arr') return `${'<a>'.repeat(sem.depth - 1)}<int>1</int><int>2</int>${'</a>'.repeat(sem.depth - 1)}`;
  const text = textOf(sem) ?? '';
  const cdataSafe = m.cdata && text !== '' && !text.includes(']]>') && !text.includes('\r') && codePoints(text).every(isXmlChar);
  return cdataSafe ? `<![CDATA[${text}]]>` : xmlEscape(text);
}

function xmlMember(m: Member): string {
  const prefix = m.ns !== 'inherit' && m.prefixed ? 'p:' : '';
  const decl = m.ns === 'inherit' ? '' : m.prefixed ? ` xmlns:p="${NS_URI[m.ns]}"` : ` xmlns="${NS_URI[m.ns]}"`;
  const tag = `${prefix}${m.name}`;
  if (m.sem.t === 'null') return `<${tag}${decl} i:nil="true"/>`;
  return `<${tag}${decl}>${xmlContent(m)}</${tag}>`;
}

function xmlBody(members: Member[], env: Envelope): string {
  const ns = ROOT_NS[env.rootNs];
  const open = `<${env.rootName}${ns ? ` xmlns="${ns}"` : ''} xmlns:i="${XML_NS.instance}">`;
  return `${env.xmlDeclaration ? '<?xml version="1.0" encoding="utf-8"?>' : ''}${open}${members.map(xmlMember).join('')}</${env.rootName}>`;
}

/** Element depth of the body (the root is 1), as the service's nesting limit counts it. */
function xmlDepth(members: Member[]): number {
  let max = 1;
  for (const m of members) {
    if (m.sem.t === 'obj') max = Math.max(max, 2 + m.sem.depth);
    else if (m.sem.t === 'arr') max = Math.max(max, 2 + m.sem.depth);
    else max = Math.max(max, 2);
  }
  return max;
}

// ---- Form ----------------------------------------------------------------------------

/** Percent-encodes UTF-8; a lone surrogate is written as the bytes it would have in WTF-8 (not UTF-8). */
function formEncode(s: string, plus: boolean): string {
  let out = '';
  for (const cp of codePoints(s)) {
    if (cp >= 0xd800 && cp <= 0xdfff) {
      out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(String.fromCodePoint(cp));
    }
  }
  return plus ? out.replace(/%20/g, '+') : out;
}

function formBody(members: Member[]): string {
  return members.map((m) => (m.sem.t === 'null' ? `${formEncode(m.name, false)}=` : `${formEncode(m.name, m.plus)}=${formEncode(textOf(m.sem) ?? '', m.plus)}`)).join('&');
}

// ---- What the service must read ------------------------------------------------------

const key = (name: string): string => name.toLowerCase();

/** The member each declared field takes its value from, by the format's rules. */
function winners(req: GenRequest, format: Format, message: MessageDecl): Map<string, Member> {
  const won = new Map<string, Member>();
  const declared = new Map(message.fields.map((f) => [key(f.name), f] as const));
  if (format === 'json') {
    // JSON.parse keeps the last value of an exact spelling, at the place of its first
    // appearance (Map.set keeps that place too); of two spellings (any case), the
    // later-placed one wins.
    const bySpelling = new Map<string, Member>();
    for (const m of req.members) bySpelling.set(m.name, m);
    for (const m of bySpelling.values()) if (declared.has(key(m.name))) won.set(key(m.name), m);
  } else if (format === 'form') {
    for (const m of req.members) if (!won.has(key(m.name)) && declared.has(key(m.name))) won.set(key(m.name), m);
  } else {
    const rootNs = ROOT_NS[req.env.rootNs];
    for (const m of req.members) {
      const field = declared.get(key(m.name));
      if (!field) continue;
      const ns = m.ns === 'inherit' ? rootNs : NS_URI[m.ns];
      const counted = ns === rootNs || (field.baseClass === true && (ns === XML_NS.abstractions || ns === XML_NS.models));
      if (counted) won.set(key(m.name), m);
    }
  }
  return won;
}

export function expectRead(req: GenRequest, format: Format, message: MessageDecl): ExpectedRead {
  const env = req.env;
  // A form value is decoded only where it is used: for the first occurrence of a non-empty
  // key (later ones are never looked at); keys are always decoded.
  const firstOfKey = new Set<Member>();
  const seen = new Set<string>();
  for (const m of req.members) {
    if (m.name !== '' && !seen.has(key(m.name))) firstOfKey.add(m);
    seen.add(key(m.name));
  }
  let bad = req.members.some((m) => (format !== 'form' || firstOfKey.has(m) ? poisonsBody(m.sem, format) : false) || (format === 'form' && hasLoneSurrogate(m.name)));
  if (format === 'json' && env.top !== 'object') bad = true;
  if (format === 'xml') {
    if (key(env.rootName) !== key(message.typeName) || env.rootNs === 'wrong') bad = true;
    if (xmlDepth(req.members) > 32) bad = true;
  }
  const won = winners(req, format, message);
  const fields: Record<string, Read> = {};
  for (const field of message.fields) {
    const m = won.get(key(field.name));
    if (!m) continue;
    const read = readAs(field.type as ScalarType, m.sem, format, field.format === 'phone');
    if (read.k === 'bad') bad = true;
    fields[field.name] = read;
  }
  return { bad, fields };
}
