// Media types of Content-Type and Accept headers, parsed the way .NET's header parser
// does as far as content negotiation needs: case-insensitive type/subtype, a q parameter,
// invalid entries of an Accept list dropped.

export interface MediaType {
  /** 'type/subtype', lower case. */
  readonly essence: string;
  readonly type: string;
  readonly subtype: string;
  /** As written, without parameters (for the 415 message). */
  readonly written: string;
}

export interface MediaRange extends MediaType {
  readonly q: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

export function parseMediaType(header: string | undefined): MediaType | undefined {
  if (header === undefined) return undefined;
  const written = (header.split(';', 1)[0] ?? '').trim();
  const slash = written.indexOf('/');
  if (slash < 0) return undefined;
  const type = written.slice(0, slash).toLowerCase();
  const subtype = written.slice(slash + 1).toLowerCase();
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  return { essence: `${type}/${subtype}`, type, subtype, written };
}

/** Accept entries in header order; an entry that does not parse is skipped. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (header === undefined) return [];
  const ranges: MediaRange[] = [];
  for (const entry of header.split(',')) {
    if (entry.trim() === '') continue;
    const mt = parseMediaType(entry);
    // Only */* may wildcard the type.
    if (!mt || (mt.type === '*' && mt.subtype !== '*')) continue;
    let q = 1;
    let valid = true;
    for (const param of entry.split(';').slice(1)) {
      const [name = '', value = ''] = param.split('=', 2).map((s) => s.trim());
      if (name.toLowerCase() !== 'q') continue;
      if (QVALUE.test(value)) q = Number(value);
      else valid = false;
    }
    if (valid) ranges.push({ ...mt, q });
  }
  return ranges;
}
