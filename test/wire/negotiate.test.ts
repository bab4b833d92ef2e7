// Content negotiation as ASP.NET Web API's DefaultContentNegotiator (spec §6), as a table.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { negotiate } from '../../src/wire/negotiate.ts';

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
