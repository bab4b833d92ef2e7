// Response format choice of ASP.NET Web API's DefaultContentNegotiator with the formatters
// JSON then XML (spec §6), reproduced step by step because clients depend on its quirks:
// each formatter takes its first match in the q-sorted Accept list; a literal match beats
// a type/* match, which beats */*, unless the broader one has a strictly higher q; ties go
// to the earlier formatter (JSON); without an Accept match the request's Content-Type
// decides; otherwise JSON.
import type { ResponseFormat } from './encode.ts';
import type { MediaRange } from './media-type.ts';
import { parseAccept, parseMediaType } from './media-type.ts';
import { HeaderCache } from './header-cache.ts';

export type ResponseMediaType = 'application/json' | 'text/json' | 'application/xml' | 'text/xml';

export interface Negotiated {
  readonly format: ResponseFormat;
  readonly mediaType: ResponseMediaType;
  /** The Content-Type header of the response. */
  readonly contentType: string;
}

const FORMATTERS: readonly { format: ResponseFormat; mediaTypes: readonly ResponseMediaType[] }[] = [
  { format: 'json', mediaTypes: ['application/json', 'text/json'] },
  { format: 'xml', mediaTypes: ['application/xml', 'text/xml'] },
];

/** Kinds of Accept match, in the order they rank. */
const Rank = { Literal: 0, SubtypeRange: 1, AllRange: 2 } as const;
type Rank = (typeof Rank)[keyof typeof Rank];

interface Match {
  format: ResponseFormat;
  mediaType: ResponseMediaType;
  q: number;
  rank: Rank;
}

// By Accept, then by Content-Type. An absent header reads as an empty one (both parse to nothing).
const chosen = new HeaderCache<HeaderCache<Negotiated>>(64);

/** The response format for a request's Accept and Content-Type headers (remembered by their text). */
export function negotiate(accept: string | undefined, contentType: string | undefined): Negotiated {
  let byType = chosen.get(accept ?? '');
  if (byType === undefined) {
    byType = new HeaderCache<Negotiated>(64);
    chosen.set(accept ?? '', byType);
  }
  let result = byType.get(contentType ?? '');
  if (result === undefined) {
    result = negotiateAnew(accept, contentType);
    byType.set(contentType ?? '', result);
  }
  return result;
}

/** negotiate, worked out from the headers every time. */
export function negotiateAnew(accept: string | undefined, contentType: string | undefined): Negotiated {
  const sorted = sortByQuality(parseAccept(accept));
  const acceptMatches = FORMATTERS.map((f) => matchAccept(sorted, f.format, f.mediaTypes)).filter((m): m is Match => m !== undefined);
  let best: Match | undefined;
  for (const rank of [Rank.Literal, Rank.SubtypeRange, Rank.AllRange]) {
    // First formatter of the rank, replaced only by a strictly higher quality.
    let bestOfRank: Match | undefined;
    for (const m of acceptMatches) if (m.rank === rank && (!bestOfRank || m.q > bestOfRank.q)) bestOfRank = m;
    if (bestOfRank && (!best || bestOfRank.q > best.q)) best = bestOfRank;
  }
  if (best) return result(best.format, best.mediaType);

  const requestType = parseMediaType(contentType)?.essence;
  for (const f of FORMATTERS) {
    const mt = f.mediaTypes.find((t) => t === requestType);
    if (mt) return result(f.format, mt);
  }
  return result('json', 'application/json');
}

/** Higher q first; at equal q the more specific range first; otherwise header order (stable). */
function sortByQuality(ranges: MediaRange[]): MediaRange[] {
  const specificity = (r: MediaRange) => (r.type === '*' ? 0 : r.subtype === '*' ? 1 : 2);
  return [...ranges].sort((a, b) => b.q - a.q || specificity(b) - specificity(a));
}

function matchAccept(sorted: readonly MediaRange[], format: ResponseFormat, supported: readonly ResponseMediaType[]): Match | undefined {
  for (const range of sorted) {
    if (range.q === 0) continue;
    for (const mediaType of supported) {
      const [type] = mediaType.split('/');
      if (range.type === '*') return { format, mediaType, q: range.q, rank: Rank.AllRange };
      if (range.subtype === '*' && range.type === type) return { format, mediaType, q: range.q, rank: Rank.SubtypeRange };
      if (range.essence === mediaType) return { format, mediaType, q: range.q, rank: Rank.Literal };
    }
  }
  return undefined;
}

function result(format: ResponseFormat, mediaType: ResponseMediaType): Negotiated {
  return Object.freeze({ format, mediaType, contentType: `${mediaType}; charset=utf-8` });
}
