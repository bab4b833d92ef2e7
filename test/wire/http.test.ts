// The wire pipeline through real HTTP (app.inject on the production factory): ClientUpdate's
// declaration served by a test handler that echoes what it decoded, so these tests see
// exactly what a domain function would receive. (The real ClientUpdate is registered by
// buildApp; this copy lives on its own test routes.)
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { registerOperation } from '../../src/http/operation-routes.ts';
import { clientUpdate } from '../../src/contract/client-update.ts';
import { defineOperation } from '../../src/contract/types.ts';
import type { CallContext, ManagerPrincipal } from '../../src/lib/principal.ts';
import { FORBIDDEN } from '../../src/lib/principal.ts';
import { createTestStore } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { bearer } from '../helpers/http.ts';
import { INSTANCE, MODELS, SEED_JSON, SEED_REQUEST, SEED_XML, xmlRequest } from './samples.ts';

const ROUTE = '/api/wiretest/ClientUpdate';
const echoOp = defineOperation({ ...clientUpdate, routes: [ROUTE, '/api/wirevalues/ClientUpdate'] });

const MANAGER: ManagerPrincipal = { kind: 'manager', login: 'cashier', operatorId: 1, token: 5001, partnerId: 10, posId: null, posCode: 'MSK-001', roles: ['pos'] };
const SECRET = 'db password is hunter2';
const DENIED = 'Authorization has been denied for this request.';
const XML_RESPONSE = (code: number, message: string) =>
  `<SetClientUpdateResponse xmlns:i="${INSTANCE}" xmlns="${MODELS}"><ErrorCode>${code}</ErrorCode><Message>${message}</Message></SetClientUpdateResponse>`;

let ts: TestStore;
let app: FastifyInstance;
let auth: string;
let lastCtx: CallContext | undefined;

before(async () => {
  ts = await createTestStore('sqlite');
  app = await buildApp({ config: ts.config, store: ts.store, logger: false });
  registerOperation(app, echoOp, async (request, ctx) => {
    lastCtx = ctx;
    if (request.Client === 403) return FORBIDDEN;
    if (request.Client === 500) throw new Error(SECRET);
    if (request.PosCode === 'quiet') return { ErrorCode: 0, Message: '' };
    return { ErrorCode: 0, Message: JSON.stringify(request) };
  });
  await app.ready();
  auth = await bearer(app, MANAGER);
});
after(async () => {
  await app.close();
  await ts.dispose();
});

interface Call {
  url?: string;
  method?: 'POST' | 'GET' | 'PUT' | 'DELETE';
  body?: string | Buffer;
  contentType?: string | null;
  accept?: string;
  token?: string | null;
  headers?: Record<string, string>;
}

async function call(c: Call) {
  const headers: Record<string, string> = { ...c.headers };
  if (c.contentType !== null) headers['content-type'] = c.contentType ?? 'application/json';
  if (c.accept !== undefined) headers.accept = c.accept;
  const token = c.token === undefined ? auth : c.token;
  if (token !== null) headers.authorization = token;
  const res = await app.inject({ method: c.method ?? 'POST', url: c.url ?? ROUTE, headers, payload: c.body ?? '' });
  return { status: res.statusCode, type: res.headers['content-type'], body: res.body, headers: res.headers };
}

const echoJson = (request: object) => JSON.stringify({ ErrorCode: 0, Message: JSON.stringify(request) });

describe('decoding through HTTP', () => {
  it('the seed JSON and XML samples reach the handler as the same request', async () => {
    const json = await call({ body: SEED_JSON });
    assert.equal(json.status, 200);
    assert.equal(json.type, 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse((JSON.parse(json.body) as { Message: string }).Message), SEED_REQUEST);
    const xml = await call({ body: SEED_XML, contentType: 'application/xml' });
    assert.equal(xml.status, 200);
    assert.equal(xml.type, 'application/xml; charset=utf-8');
    const message = /<Message>(.*)<\/Message>/.exec(xml.body)![1]!.replace(/&quot;/g, '"');
    assert.deepEqual(JSON.parse(message), SEED_REQUEST);
  });
  it('a form body with every field', async () => {
    const form = new URLSearchParams(Object.entries(SEED_REQUEST).map(([k, v]) => [k, String(v)])).toString();
    const res = await call({ body: form, contentType: 'application/x-www-form-urlencoded; charset=utf-8' });
    assert.equal(res.body, echoJson(SEED_REQUEST));
  });
  it('any charset parameter; case-insensitive paths; trailing slash and query ignored; the second route', async () => {
    for (const url of [`${ROUTE}/`, '/API/WIRETEST/clientupdate?x=1', '/api/wirevalues/ClientUpdate']) {
      const res = await call({ url, body: '{"Client":1}', contentType: 'text/json; charset=windows-1251' });
      assert.equal(res.status, 200, url);
      assert.equal(res.type, 'text/json; charset=utf-8');
      assert.equal(res.body, echoJson({ Client: 1 }));
    }
  });
  it('the handler gets the principal, the request id and the remote address', async () => {
    await call({ body: '{"Client":1}', headers: { 'mloyalty-authorization': auth }, token: null });
    assert.deepEqual(lastCtx?.principal, MANAGER);
    assert.match(lastCtx!.requestId, /^[0-9a-f-]{36}$/);
    assert.equal(lastCtx!.remoteAddress, '127.0.0.1');
  });
});

// §6's matrix: [Accept, body Content-Type, response Content-Type]
const MATRIX: [string | undefined, string, string][] = [
  [undefined, 'application/json', 'application/json'],
  [undefined, 'text/json', 'text/json'],
  [undefined, 'application/xml', 'application/xml'],
  [undefined, 'text/xml', 'text/xml'],
  [undefined, 'application/x-www-form-urlencoded', 'application/json'],
  ['*/*', 'application/xml', 'application/json'],
  ['application/xml, */*', 'application/json', 'application/xml'],
  ['application/xml, application/json', 'application/xml', 'application/json'],
  ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'application/json', 'application/xml'],
  ['text/xml', 'application/x-www-form-urlencoded', 'text/xml'],
  ['text/*', 'application/xml', 'text/json'],
  ['image/png', 'text/xml', 'text/xml'],
  ['image/png', 'application/x-www-form-urlencoded', 'application/json'],
];
const BODIES: Record<string, string> = {
  'application/json': '{"Client":1,"PosCode":"quiet"}',
  'text/json': '{"Client":1,"PosCode":"quiet"}',
  'application/xml': xmlRequest('<Client>1</Client><PosCode>quiet</PosCode>'),
  'text/xml': xmlRequest('<Client>1</Client><PosCode>quiet</PosCode>'),
  'application/x-www-form-urlencoded': 'Client=1&PosCode=quiet',
};

describe('negotiation matrix (spec §6): status, Content-Type, exact bytes', () => {
  for (const [accept, contentType, expected] of MATRIX) {
    it(`Accept ${accept ?? '(none)'} + ${contentType} body → ${expected}`, async () => {
      const res = await call({ body: BODIES[contentType], contentType, accept });
      assert.equal(res.status, 200);
      assert.equal(res.type, `${expected}; charset=utf-8`);
      assert.equal(res.body, expected.endsWith('xml') ? XML_RESPONSE(0, '') : '{"ErrorCode":0,"Message":""}');
    });
  }
});

// Every error status in both formats: [name, call, status, message or 400 body]
const XML_ACCEPT = 'application/xml';
const ERRORS: [string, Call, number, string][] = [
  ['401 without a token', { body: '{"Client":1}', token: null }, 401, DENIED],
  ['401 with a bad token', { body: '{"Client":1}', token: 'Bearer not.a.jwt' }, 401, DENIED],
  ['403 from the domain', { body: '{"Client":403}' }, 403, DENIED],
  ['404 unknown route', { url: '/api/client/Nope?a=1', body: '{}' }, 404, "No HTTP resource was found that matches the request URI 'http://localhost/api/client/Nope?a=1'."],
  ['405 GET', { method: 'GET', body: undefined }, 405, "The requested resource does not support http method 'GET'."],
  ['405 PUT', { method: 'PUT', body: '{}' }, 405, "The requested resource does not support http method 'PUT'."],
  ['413 too large', { body: `{"Name":"${'x'.repeat(70_000)}"}` }, 413, 'The request entity is too large.'],
  ['415 text/plain', { body: 'Client=1', contentType: 'text/plain; charset=utf-8' }, 415, "The request entity's media type 'text/plain' is not supported for this resource."],
  ['415 without Content-Type', { body: '{"Client":1}', contentType: null }, 415, "The request contains an entity body but no Content-Type header. The inferred media type 'application/octet-stream' is not supported for this resource."],
  ['500 from the domain', { body: '{"Client":500}' }, 500, 'An error has occurred.'],
];

describe('error statuses and bodies, JSON and XML', () => {
  for (const [name, c, status, message] of ERRORS) {
    for (const format of ['json', 'xml'] as const) {
      it(`${name} (${format})`, async () => {
        const res = await call({ ...c, accept: format === 'xml' ? XML_ACCEPT : 'application/json' });
        assert.equal(res.status, status);
        assert.equal(res.type, `application/${format}; charset=utf-8`);
        const escaped = message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
        assert.equal(res.body, format === 'json' ? JSON.stringify({ Message: message }) : `<Error><Message>${escaped}</Message></Error>`);
        assert.ok(!res.body.includes(SECRET));
        if (status === 401) assert.equal(res.headers['www-authenticate'], 'Bearer');
        if (status === 405) assert.equal(res.headers.allow, 'POST');
      });
    }
  }
  it('400: the response message with ErrorCode 100 naming the field, in both formats', async () => {
    const json = await call({ body: '{"Client":"abc"}' });
    assert.equal(json.status, 400);
    assert.equal(json.body, '{"ErrorCode":100,"Message":"Некорректный запрос: поле Client: «abc» не является целым числом"}');
    const xml = await call({ body: xmlRequest('<AllowSms>13</AllowSms>'), contentType: 'text/xml' });
    assert.equal(xml.status, 400);
    assert.equal(xml.type, 'text/xml; charset=utf-8');
    assert.equal(xml.body, XML_RESPONSE(100, 'Некорректный запрос: поле AllowSms: «13» не является логическим значением (true/false, 1/0)'));
  });
  for (const [name, c] of [
    ['empty JSON', { body: '' }],
    ['empty XML', { body: '', contentType: 'application/xml', accept: 'application/json' }],
    ['a JSON array', { body: '[1]' }],
    ['invalid UTF-8', { body: Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]) }],
    ['malformed XML', { body: '<SetClientUpdateRequest>', contentType: 'application/xml', accept: 'application/json' }],
  ] as [string, Call][]) {
    it(`400 for ${name}`, async () => {
      const res = await call(c);
      assert.equal(res.status, 400);
      assert.equal((JSON.parse(res.body) as { ErrorCode: number }).ErrorCode, 100);
    });
  }
  it('an empty form body is a request without fields (200, handed to the domain)', async () => {
    const res = await call({ body: '', contentType: 'application/x-www-form-urlencoded' });
    assert.equal(res.status, 200);
    assert.equal(res.body, echoJson({}));
  });
});

describe('precedence when several things are wrong (404/405, 401/403, 413, 415, 400)', () => {
  const huge = 'x'.repeat(70_000);
  const cases: [string, Call, number][] = [
    ['unknown route, no token, huge body', { url: '/api/client/Nope', body: huge, token: null }, 404],
    ['unknown route, bad JSON', { url: '/api/client/Nope', body: '{' }, 404],
    ['unknown route, bad Content-Type', { url: '/api/client/Nope', body: '{}', contentType: 'text/plain' }, 404],
    ['GET without a token', { method: 'GET', token: null }, 405],
    ['PUT with a huge body, no token', { method: 'PUT', body: huge, token: null }, 405],
    ['no token, huge body', { body: huge, token: null }, 401],
    ['no token, unsupported type', { body: 'x', contentType: 'text/plain', token: null }, 401],
    ['no token, unreadable body', { body: '{', token: null }, 401],
    ['huge body of an unsupported type', { body: huge, contentType: 'text/plain' }, 413],
    ['huge body without Content-Type', { body: huge, contentType: null }, 413],
    ['unsupported type, unreadable body', { body: '{', contentType: 'text/plain' }, 415],
    ['unreadable body that would be forbidden', { body: '{"Client":403,"Phone":"x"}' }, 400],
  ];
  for (const [name, c, status] of cases) {
    it(`${name} → ${status}`, async () => assert.equal((await call(c)).status, status));
  }
});

describe('hostile XML is answered 400 fast', () => {
  const laughs =
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;">]>' +
    `<SetClientUpdateRequest xmlns="${MODELS}"><Name>&lol9;</Name></SetClientUpdateRequest>`;
  const external = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><SetClientUpdateRequest xmlns="${MODELS}"><Name>&xxe;</Name></SetClientUpdateRequest>`;
  const undeclared = xmlRequest('<Name>&xxe;</Name>');
  // Well-formed, it would exceed the 64 KiB limit (decode.test.ts covers that one).
  const deep = xmlRequest(`${'<a>'.repeat(10_000)}<Client>1</Client>`);
  const attrs = `<SetClientUpdateRequest ${Array.from({ length: 5000 }, (_, i) => `a${i}="1"`).join(' ')}><Client>1</Client></SetClientUpdateRequest>`;
  const lt = '<'.repeat(60_000);
  for (const [name, body] of [['billion laughs', laughs], ['an external entity', external], ['an undeclared entity', undeclared], ['10,000-deep nesting', deep], ['5,000 attributes', attrs], ['60,000 "<"', lt]] as const) {
    it(name, async () => {
      const started = performance.now();
      const res = await call({ body, contentType: 'application/xml' });
      const elapsed = performance.now() - started;
      assert.equal(res.status, 400);
      assert.equal(res.type, 'application/xml; charset=utf-8');
      assert.match(res.body, /<ErrorCode>100<\/ErrorCode>/);
      assert.ok(!res.body.includes('root:'), 'no file content leaks');
      assert.ok(elapsed < 500, `took ${elapsed.toFixed(0)} ms`);
    });
  }
});
