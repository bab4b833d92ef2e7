// Hostile XML and HTTP against the real `lcm serve` process (docs/reliability.md, "Hostile
// XML and HTTP"): entity bombs, external and parameter entities, deep nesting, a 100 MB
// body, headers and bodies sent byte by byte, thousands of idle connections. Throughout,
// the server stays up and a normal client keeps getting answers quickly.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { seededStore } from '../helpers/app.ts';
import type { TestStore } from '../helpers/engines.ts';
import { managerBearer, startServe } from './support/load.ts';
import type { ServerProcess } from './support/load.ts';
import { XML_NS } from '../../src/contract/types.ts';

const SECRET = 'hostile-http-secret-0123456789abcdef0123';
/** Short bounds for the test; production defaults are 10 s and 30 s. */
const HEADERS_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 4_000;
/** A normal request must be answered within this while the server is under attack. */
const FAST_MS = 1_000;
const MODELS = XML_NS.models;
const PATH = '/api/client/ClientUpdate';

let ts: TestStore;
let server: ServerProcess;
let auth: string;
let host: string;
let port: number;
let probeSeq = 0;
const probeTimes: number[] = [];

/** Resident set size and its peak (VmHWM) of the server process, MiB. */
function memory(): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)![1]) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

/** One raw HTTP/1.1 exchange on a fresh connection: what came back, and when the server closed. */
function raw(request: Buffer | string, timeoutMs = 10_000): Promise<{ response: string; ms: number; closedBy: 'server' | 'timeout' }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = net.connect(port, host);
    let response = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ response, ms: performance.now() - started, closedBy: 'timeout' });
    }, timeoutMs);
    socket.on('data', (d) => (response += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ response, ms: performance.now() - started, closedBy: 'server' });
    });
    socket.on('connect', () => socket.end(request));
    socket.on('error', reject);
  });
}

/** A normal ClientUpdate on a fresh connection: must succeed, fast. */
async function probe(label: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${server.url}${PATH}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ Client: 1, Name: `probe-${++probeSeq}` }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  const ms = performance.now() - started;
  assert.equal(res.status, 200, `${label}: ${text}`);
  assert.equal(text, '{"ErrorCode":0,"Message":""}', label);
  assert.ok(ms < FAST_MS, `${label}: a normal request took ${ms.toFixed(0)} ms`);
  assert.equal(server.child.exitCode, null, 'the server is up');
  probeTimes.push(ms);
  return ms;
}

function postXml(body: string): Promise<{ status: number; body: string; ms: number }> {
  return postBody(body, 'application/xml');
}

async function postBody(body: string, contentType: string): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  const res = await fetch(`${server.url}${PATH}`, { method: 'POST', headers: { authorization: auth, 'content-type': contentType }, body, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  return { status: res.status, body: text, ms: performance.now() - started };
}

const xml = (inner: string, prolog = '') => `${prolog}<SetClientUpdateRequest xmlns="${MODELS}">${inner}</SetClientUpdateRequest>`;

describe('hostile XML and HTTP against lcm serve', () => {
  before(async () => {
    ts = await seededStore('sqlite', { jwtSecret: SECRET });
    await ts.store.close();
    server = await startServe(ts.database.url, {
      LCM_JWT_SECRET: SECRET,
      LCM_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      LCM_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      LCM_LOG_LEVEL: 'fatal',
    });
    const url = new URL(server.url);
    host = url.hostname;
    port = Number(url.port);
    auth = await managerBearer(server.url, 'cashier', 'secret');
    await probe('before the attacks');
  });

  after(async () => {
    if (server) {
      const exited = server.child.exitCode;
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
      assert.equal(exited, null, `the server exited during the tests:\n${server.output()}`);
    }
    await ts?.database.drop();
    if (probeTimes.length) console.log(`# probes: ${probeTimes.length}, slowest ${Math.max(...probeTimes).toFixed(0)} ms`);
  });

  describe('XML', () => {
    // A canary HTTP server: an entity that the service fetched would show up here.
    let canary: http.Server;
    let canaryHits = 0;
    let canaryUrl = '';
    before(async () => {
      canary = http.createServer((_req, res) => {
        canaryHits++;
        res.end('<!ENTITY exfil "leaked">');
      });
      await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
      canaryUrl = `http://127.0.0.1:${(canary.address() as AddressInfo).port}/evil.dtd`;
    });
    after(() => new Promise<void>((r) => canary.close(() => r())));

    const lol = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const cases: [string, () => string][] = [
      ['billion laughs (10 levels of 10)', () => xml('<Client>1</Client><Name>&lol9;</Name>', `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${lol}]>`)],
      ['an external entity (file:///etc/passwd)', () => xml('<Client>1</Client><Name>&xxe;</Name>', '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')],
      ['an external entity over http', () => xml('<Client>1</Client><Name>&xxe;</Name>', `<!DOCTYPE r [<!ENTITY xxe SYSTEM "${canaryUrl}">]>`)],
      ['a parameter entity (external DTD)', () => xml('<Client>1</Client><Name>&exfil;</Name>', `<!DOCTYPE r [<!ENTITY % dtd SYSTEM "${canaryUrl}"> %dtd;]>`)],
      ['a DOCTYPE with an external subset', () => xml('<Client>1</Client>', `<!DOCTYPE SetClientUpdateRequest SYSTEM "${canaryUrl}">`)],
      ['an undeclared entity reference', () => xml('<Client>1</Client><Name>&passwd;</Name>')],
      ['21,000 unclosed levels of nesting (63 KB)', () => xml(`<Client>1</Client>${'<a>'.repeat(21_000)}`)],
      ['9,000 levels of well-formed nesting (63 KB)', () => xml(`<Client>1</Client>${'<a>'.repeat(9_000)}${'</a>'.repeat(9_000)}`)],
    ];
    for (const [name, body] of cases) {
      it(`${name}: 400 ErrorCode 100 within 500 ms, nothing expanded or fetched`, async () => {
        const before = memory();
        const res = await postXml(body());
        assert.equal(res.status, 400, res.body);
        assert.match(res.body, /^\{"ErrorCode":100,"Message":"Некорректный запрос: /);
        assert.ok(!res.body.includes('root:') && !res.body.includes('lollol') && !res.body.includes('leaked'), res.body);
        assert.ok(res.ms < 500, `took ${res.ms.toFixed(0)} ms`);
        assert.equal(canaryHits, 0, 'the service fetched an external entity');
        assert.ok(memory().rss - before.rss < 50, 'RSS grew by 50 MiB');
        const stored = await fetch(`${server.url}/api/client/GetClient`, {
          method: 'POST',
          headers: { authorization: auth, 'content-type': 'application/json' },
          body: '{"Client":1}',
        }).then((r) => r.text());
        assert.ok(!stored.includes('root:') && !stored.includes('lollol'), 'nothing reached the participant');
        await probe(name);
      });
    }

    it('100,000 levels of nesting, XML and JSON (over 64 KiB): 413 at once', async () => {
      for (const [body, type] of [
        [xml(`<Client>1</Client>${'<a>'.repeat(100_000)}${'</a>'.repeat(100_000)}`), 'application/xml'],
        [`{"Client":1,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`, 'application/json'],
      ] as const) {
        const res = await postBody(body, type);
        assert.equal(res.status, 413, res.body);
        assert.ok(res.ms < 1_000, `took ${res.ms.toFixed(0)} ms`);
      }
      await probe('after 100,000 levels');
    });

    it('JSON nested as deep as 64 KiB allows (32,000 levels): 400 or ignored, fast', async () => {
      for (const body of [`{"Client":1,"Name":${'['.repeat(32_000)}${']'.repeat(32_000)}}`, `{"Client":1,"x":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`, `{"Client":1,"Name":${'['.repeat(60_000)}`]) {
        const res = await postBody(body, 'application/json');
        assert.ok([200, 400].includes(res.status), `${res.status} ${res.body}`);
        assert.ok(res.ms < 500, `took ${res.ms.toFixed(0)} ms`);
      }
      await probe('after deep JSON');
    });
  });
});
