// The documented answer shapes (docs/wire-format.md): an operation's response message
// {ErrorCode, Message} for 200 and 400, Web API's HttpError {Message} for the other
// statuses, in JSON or XML as the Content-Type says. Throws on anything else.
import assert from 'node:assert/strict';
import { XML_NS } from '../../../src/contract/types.ts';

export interface Answer {
  status: number;
  contentType: string | undefined;
  body: string;
  wwwAuthenticate?: string | undefined;
}

export interface Shaped {
  format: 'json' | 'xml';
  errorCode?: number;
  message: string;
}

const DENIED = 'Authorization has been denied for this request.';
const FIXED: Record<number, string | RegExp> = {
  401: DENIED,
  403: DENIED,
  413: 'The request entity is too large.',
  415: /^The request entity's media type '.*' is not supported for this resource\.$|^The request contains an entity body but no Content-Type header\./s,
};

const XML_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
function xmlUnescape(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (_, e: string) =>
    e.startsWith('#x') ? String.fromCodePoint(parseInt(e.slice(2), 16)) : e.startsWith('#') ? String.fromCodePoint(Number(e.slice(1))) : XML_ENTITIES[e]!,
  );
}

/** Checks an answer of an operation whose response type is `typeName`; returns what it says. */
export function checkShape(a: Answer, typeName: string): Shaped {
  assert.ok([200, 400, 401, 403, 413, 415].includes(a.status), `undocumented status ${a.status}: ${a.body.slice(0, 300)}`);
  const m = /^(application|text)\/(json|xml); charset=utf-8$/.exec(a.contentType ?? '');
  assert.ok(m, `Content-Type ${a.contentType}`);
  const format = m[2] as 'json' | 'xml';
  if (a.status === 401) assert.equal(a.wwwAuthenticate, 'Bearer');
  if (a.status === 200 || a.status === 400) {
    let code: number;
    let message: string;
    if (format === 'json') {
      const parsed = JSON.parse(a.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(parsed), ['ErrorCode', 'Message'], a.body);
      assert.equal(JSON.stringify(parsed), a.body, 'compact JSON in declared order');
      assert.ok(Number.isInteger(parsed.ErrorCode) && typeof parsed.Message === 'string', a.body);
      code = parsed.ErrorCode as number;
      message = parsed.Message as string;
    } else {
      const x = new RegExp(
        `^<${typeName} xmlns:i="${XML_NS.instance}" xmlns="${XML_NS.models}"><ErrorCode>(-?\\d+)</ErrorCode><Message>([^<]*)</Message></${typeName}>$`,
        's',
      ).exec(a.body);
      assert.ok(x, `XML response shape: ${a.body.slice(0, 300)}`);
      code = Number(x[1]);
      message = xmlUnescape(x[2]!);
    }
    if (a.status === 400) {
      assert.equal(code, 100, a.body);
      assert.ok(message.startsWith('Некорректный запрос: '), message);
    } else {
      assert.notEqual(code, 100, 'ErrorCode 100 only with HTTP 400');
    }
    return { format, errorCode: code, message };
  }
  let message: string;
  if (format === 'json') {
    const parsed = JSON.parse(a.body) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['Message'], a.body);
    message = String(parsed.Message);
  } else {
    const x = /^<Error><Message>([^<]*)<\/Message><\/Error>$/s.exec(a.body);
    assert.ok(x, `XML error shape: ${a.body.slice(0, 300)}`);
    message = xmlUnescape(x[1]!);
  }
  const fixed = FIXED[a.status]!;
  if (typeof fixed === 'string') assert.equal(message, fixed);
  else assert.match(message, fixed);
  return { format, message };
}
