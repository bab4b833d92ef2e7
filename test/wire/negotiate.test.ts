// Content negotiation as ASP.NET Web API's DefaultContentNegotiator (spec §6), as a table.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate, negotiateAnew } from '../../src/wire/negotiate.ts';
import { bodyFormatOf, bodyFormatOfHeader } from '../../src/wire/decode.ts';
import { parseMediaType } from '../../src/wire/media-type.ts';

const XML_BODY = 'application/xml';
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

// [Accept, request Content-Type, expected response media type]
const CASES: [string | undefined, string | undefined, string][] = [
  // §6 examples
  [undefined, XML_BODY, 'application/xml'],
  ['*/*', XML_BODY, 'application/json'],
  ['application/xml, application/json', undefined, 'application/json'],
  ['application/xml, */*', undefined, 'application/xml'],
  [BROWSER, undefined, 'application/xml'],
  ['text/xml', undefined, 'text/xml'],
  ['text/*', undefined, 'text/json'],
  ['*/*', undefined, 'application/json'],
  [undefined, 'text/xml', 'text/xml'],
  [undefined, undefined, 'application/json'],
  // no Accept match → request Content-Type, else JSON
  ['text/html', 'text/xml; charset=utf-8', 'text/xml'],
  ['image/png', 'application/json', 'application/json'],
  ['image/png', 'text/json', 'text/json'],
  ['image/png', 'application/x-www-form-urlencoded', 'application/json'],
  [undefined, 'application/x-www-form-urlencoded', 'application/json'],
  [undefined, 'text/plain', 'application/json'],
  ['', XML_BODY, 'application/xml'],
  // exact beats type/* beats */* unless strictly higher q
  ['application/xml;q=0.5, */*', undefined, 'application/json'],
  ['application/xml;q=0.5, */*;q=0.5', undefined, 'application/xml'],
  ['application/xml;q=0.5, text/*;q=0.6', undefined, 'text/json'],
  ['application/xml;q=0.6, text/*;q=0.6', undefined, 'application/xml'],
  // each formatter takes its FIRST match in the sorted list: text/* for both
  ['text/*, application/*', undefined, 'text/json'],
  ['application/*, text/*', undefined, 'application/json'],
  ['application/*;q=0.4, text/xml;q=0.3', undefined, 'application/json'],
  ['text/xml;q=0.4, application/*;q=0.3', undefined, 'text/xml'],
  // ties between formatters go to JSON; higher q wins
  ['application/xml, text/json', undefined, 'text/json'],
  ['application/xml;q=1, application/json;q=0.9', undefined, 'application/xml'],
  ['application/json;q=0.1, application/xml;q=0.2', undefined, 'application/xml'],
  ['text/xml, application/xml', undefined, 'text/xml'],
  ['application/xml, text/xml', undefined, 'application/xml'],
  // q=0 means "not acceptable"
  ['application/json;q=0, application/xml', undefined, 'application/xml'],
  ['application/json;q=0', XML_BODY, 'application/xml'],
  ['*/*;q=0', undefined, 'application/json'],
  // case, parameters and junk
  ['APPLICATION/XML', undefined, 'application/xml'],
  ['application/xml; charset=utf-8', undefined, 'application/xml'],
  ['garbage, application/xml', undefined, 'application/xml'],
  ['*/xml, text/xml', undefined, 'text/xml'],
  ['application/xml;q=abc, text/json', undefined, 'text/json'],
  [undefined, 'TEXT/XML', 'text/xml'],
];

describe('content negotiation (DefaultContentNegotiator, formatters JSON then XML)', () => {
  for (const [accept, contentType, expected] of CASES) {
    it(`Accept ${JSON.stringify(accept)} + Content-Type ${JSON.stringify(contentType)} → ${expected}`, () => {
      const chosen = negotiate(accept, contentType);
      assert.equal(chosen.mediaType, expected);
      assert.equal(chosen.format, expected.endsWith('xml') ? 'xml' : 'json');
      assert.equal(chosen.contentType, `${expected}; charset=utf-8`);
    });
  }
});

describe('headers remembered by their text', () => {
  const accepts = [...new Set(CASES.map(([a]) => a))];
  const types = [...new Set(CASES.map(([, c]) => c)), 'application/json', 'application/json; charset=utf-8', 'text/plain', 'x', 'application/xml ;q=1'];

  it('negotiate answers as when worked out anew, on first sight, again, and after the cache started over', () => {
    const check = () => {
      for (const a of accepts) for (const c of types) assert.deepEqual(negotiate(a, c), negotiateAnew(a, c), `Accept ${JSON.stringify(a)}, Content-Type ${JSON.stringify(c)}`);
    };
    check();
    check();
    // More distinct headers than the cache holds.
    for (let i = 0; i < 1_000; i++) assert.deepEqual(negotiate(`application/x${i}, text/xml`, `text/y${i}`), negotiateAnew(`application/x${i}, text/xml`, `text/y${i}`));
    check();
  });

  it('the body format of a Content-Type answers as its parsed media type', () => {
    const anew = (c: string) => {
      const mediaType = parseMediaType(c);
      return mediaType ? bodyFormatOf(mediaType.essence) : undefined;
    };
    const headers = [...types.filter((c): c is string => c !== undefined), '', ' application/json', 'Application/JSON;x=1', 'application/x-www-form-urlencoded', 'text/json', 'application/xml+x'];
    for (let round = 0; round < 2; round++) for (const c of headers) assert.equal(bodyFormatOfHeader(c), anew(c), JSON.stringify(c));
    for (let i = 0; i < 1_000; i++) assert.equal(bodyFormatOfHeader(`text/y${i}`), undefined);
    for (const c of headers) assert.equal(bodyFormatOfHeader(c), anew(c), JSON.stringify(c));
  });
});
