// ClientUpdate bodies of the benchmark: a random participant of 1..n gets new names and one
// of its own two phones, so that every request changes something (one history row each) and
// no two participants ever claim one phone (no ErrorCode 7).
import type { BodyFormat } from './types.ts';

/** Participant i holds 79000000000+i at first; the bench alternates it with 79500000000+i. */
export const phoneA = (i: number): number => 79_000_000_000 + i;
export const phoneB = (i: number): number => 79_500_000_000 + i;

const XMLNS = 'http://schemas.datacontract.org/2004/07/LCManagerPartner.Models';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

export const CONTENT_TYPE: Record<BodyFormat, string> = {
  json: 'application/json; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
};

export interface BodyMaker {
  next(): string;
}

/**
 * A ClientUpdate body: participant `id` gets Name `Иван<seq>`, Surname `Петров<seq>` and
 * `phone`. The wrk client (bench/wrk-client-update.lua) gets it with `{id}`, `{seq}` and
 * `{phone}` in place of the values and fills them in itself.
 */
export function body(format: BodyFormat, id: number | string, seq: string, phone: number | string): string {
  const name = `Иван${seq}`;
  const surname = `Петров${seq}`;
  return format === 'json'
    ? `{"Client":${id},"Name":"${name}","Surname":"${surname}","Phone":${phone}}`
    : `<SetClientUpdateRequest xmlns:i="${XSI}" xmlns="${XMLNS}"><Client>${id}</Client><Name>${name}</Name><Phone>${phone}</Phone><Surname>${surname}</Surname></SetClientUpdateRequest>`;
}

export function bodyMaker(format: BodyFormat, participants: number, tag: string): BodyMaker {
  // Which phone each participant was last sent (the requests of one run alternate them).
  const onB = new Uint8Array(participants + 1);
  let seq = 0;
  return {
    next() {
      const id = 1 + Math.floor(Math.random() * participants);
      onB[id] = onB[id] ? 0 : 1;
      seq++;
      return body(format, id, `${tag}${seq}`, onB[id] ? phoneB(id) : phoneA(id));
    },
  };
}

/** The ErrorCode of an answer body (JSON parsed; XML by its one element), or undefined. */
export function errorCodeOf(body: string): number | undefined {
  if (body.startsWith('{')) {
    try {
      const code = (JSON.parse(body) as { ErrorCode?: unknown }).ErrorCode;
      return typeof code === 'number' ? code : undefined;
    } catch {
      return undefined;
    }
  }
  const m = /<ErrorCode>(-?\d+)<\/ErrorCode>/.exec(body);
  return m ? Number(m[1]) : undefined;
}
