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
const HEADERS_TIMEOUT_MS = 6_000;
const REQUEST_TIMEOUT_MS = 9_000;
/** A normal request must be answered within this while the server is under attack (a shared 2-core machine). */
const FAST_MS = 2_000;
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

  describe('HTTP', () => {
    /**
     * Streams `totalBytes` of body as fast as the server takes it, after `head`; stops when
     * the server answers and closes. Returns when the answer began, what was sent by then
     * and by the close, and the server's memory.
     */
    function flood(head: string, totalBytes: number, chunked: boolean): Promise<{ status: string; answeredMs: number; closedMs: number; sentAtAnswer: number; sent: number }> {
      return new Promise((resolve) => {
        const started = performance.now();
        const socket = net.connect(port, host);
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const framed = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
        let sent = 0;
        let response = '';
        let answeredMs = -1;
        let sentAtAnswer = -1;
        let closed = false;
        const pump = () => {
          while (!closed && sent < totalBytes) {
            sent += chunk.length;
            if (!socket.write(framed)) return void socket.once('drain', pump);
          }
        };
        socket.on('data', (d) => {
          if (answeredMs < 0) {
            answeredMs = performance.now() - started;
            sentAtAnswer = sent;
          }
          response += d.toString('latin1');
        });
        socket.on('error', () => undefined);
        socket.on('close', () => {
          closed = true;
          resolve({ status: response.split('\r\n', 1)[0] ?? '', answeredMs, closedMs: performance.now() - started, sentAtAnswer, sent });
        });
        socket.on('connect', () => {
          socket.write(head);
          pump();
        });
        setTimeout(() => socket.destroy(), 60_000).unref();
      });
    }

    const HUNDRED_MB = 100 * 1024 * 1024;
    for (const chunked of [false, true]) {
      it(`a 100 MB body (${chunked ? 'chunked, no length' : 'Content-Length: 104857600'}): 413 within 1 s, connection closed, not buffered`, async () => {
        const before = memory();
        const head =
          `POST ${PATH} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\n` +
          (chunked ? 'Transfer-Encoding: chunked\r\n\r\n' : `Content-Length: ${HUNDRED_MB}\r\n\r\n`);
        const r = await flood(head, HUNDRED_MB, chunked);
        const after = memory();
        console.log(
          `# 100 MB ${chunked ? 'chunked' : 'with length'}: ${r.status} after ${r.answeredMs.toFixed(0)} ms (${(r.sentAtAnswer / 1048576).toFixed(1)} MiB sent), ` +
            `closed after ${r.closedMs.toFixed(0)} ms (${(r.sent / 1048576).toFixed(1)} MiB sent); server RSS ${before.rss.toFixed(0)} → ${after.rss.toFixed(0)} MiB, peak ${before.peak.toFixed(0)} → ${after.peak.toFixed(0)} MiB`,
        );
        assert.match(r.status, /^HTTP\/1\.1 413 /);
        assert.ok(r.answeredMs >= 0 && r.answeredMs < 1_000, `answered after ${r.answeredMs.toFixed(0)} ms`);
        assert.ok(r.closedMs < 5_000, `the server kept the connection for ${r.closedMs.toFixed(0)} ms`);
        assert.ok(r.sent < HUNDRED_MB / 2, `the server read ${(r.sent / 1048576).toFixed(0)} MiB before closing`);
        assert.ok(after.peak - before.peak < 30, `peak RSS grew by ${(after.peak - before.peak).toFixed(0)} MiB`);
        await probe('after 100 MB');
      });
    }

    /** Opens `n` connections that send `head` and then one byte of `drip` every `everyMs`; resolves with when each was closed. */
    function drip(n: number, head: string, dripText: string, everyMs: number): Promise<{ closedMs: number[]; responses: string[] }> {
      const started = performance.now();
      return Promise.all(
        Array.from(
          { length: n },
          () =>
            new Promise<{ ms: number; response: string }>((resolve) => {
              const socket = net.connect(port, host);
              let i = 0;
              let response = '';
              let timer: NodeJS.Timeout | undefined;
              const guard = setTimeout(() => socket.destroy(), 30_000);
              socket.on('connect', () => {
                socket.write(head);
                timer = setInterval(() => socket.write(dripText[i++ % dripText.length]!), everyMs);
              });
              socket.on('data', (d) => (response += d.toString('latin1')));
              socket.on('error', () => undefined);
              socket.on('close', () => {
                clearInterval(timer);
                clearTimeout(guard);
                resolve({ ms: performance.now() - started, response });
              });
            }),
        ),
      ).then((all) => ({ closedMs: all.map((a) => a.ms), responses: all.map((a) => a.response) }));
    }

    it(`headers sent byte by byte (50 slowloris connections): closed after the ${HEADERS_TIMEOUT_MS} ms header bound, others served meanwhile`, async () => {
      const slow = drip(50, `POST ${PATH} HTTP/1.1\r\nHost: ${host}\r\n`, 'X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n', 100);
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 5; i++) await probe(`during slowloris ${i}`);
      const { closedMs, responses } = await slow;
      const [min, max] = [Math.min(...closedMs), Math.max(...closedMs)];
      console.log(`# slowloris: 50 connections closed after ${min.toFixed(0)}–${max.toFixed(0)} ms (bound ${HEADERS_TIMEOUT_MS} ms); answer ${JSON.stringify(responses[0]!.split('\r\n', 1)[0])}`);
      assert.ok(min >= HEADERS_TIMEOUT_MS - 100, `closed before the bound: ${min.toFixed(0)} ms`);
      assert.ok(max <= HEADERS_TIMEOUT_MS + 1_500, `held past the bound: ${max.toFixed(0)} ms`);
      await probe('after slowloris');
    });

    it(`a body sent byte by byte (20 connections): closed after the ${REQUEST_TIMEOUT_MS} ms request bound, others served meanwhile`, async () => {
      const head = `POST ${PATH} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`;
      const slow = drip(20, head, '{"Client":1,"Name":"' + 'x'.repeat(100), 100);
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < 5; i++) await probe(`during slow bodies ${i}`);
      const { closedMs, responses } = await slow;
      const [min, max] = [Math.min(...closedMs), Math.max(...closedMs)];
      console.log(`# slow body: 20 connections closed after ${min.toFixed(0)}–${max.toFixed(0)} ms (bound ${REQUEST_TIMEOUT_MS} ms); answer ${JSON.stringify(responses[0]!.split('\r\n', 1)[0])}`);
      assert.ok(min >= REQUEST_TIMEOUT_MS - 100, `closed before the bound: ${min.toFixed(0)} ms`);
      assert.ok(max <= REQUEST_TIMEOUT_MS + 1_500, `held past the bound: ${max.toFixed(0)} ms`);
      await probe('after slow bodies');
    });

    it(`2,000 idle connections: a normal client is still answered fast; the idle ones are closed after the ${HEADERS_TIMEOUT_MS} ms header bound`, async () => {
      const N = 2_000;
      const started = performance.now();
      const closed: number[] = [];
      const sockets = await Promise.all(
        Array.from(
          { length: N },
          () =>
            new Promise<net.Socket>((resolve, reject) => {
              const socket = net.connect(port, host);
              socket.once('connect', () => resolve(socket));
              socket.once('error', reject);
              socket.on('close', () => closed.push(performance.now() - started));
            }),
        ),
      );
      const openedMs = performance.now() - started;
      const held = N - closed.length;
      const times: number[] = [];
      for (let i = 0; i < 10; i++) times.push(await probe(`with ${N} idle connections ${i}`));
      const heldWhileProbing = N - closed.length;
      // Each connection's idle clock starts when the server accepts it: wait for the last.
      const deadline = performance.now() + HEADERS_TIMEOUT_MS + 5_000;
      while (closed.length < N && performance.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      const stillOpen = sockets.filter((s) => !s.destroyed && s.readyState === 'open').length;
      for (const s of sockets) s.destroy();
      console.log(
        `# idle: ${N} connections opened in ${openedMs.toFixed(0)} ms, ${held} held at once; probes ${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)} ms; ` +
          `${heldWhileProbing} still held after the probes; ${closed.length} closed by the server after ${Math.min(...closed).toFixed(0)}–${Math.max(...closed).toFixed(0)} ms (${stillOpen} still open)`,
      );
      assert.equal(held, N, 'every connection was accepted');
      assert.ok(Math.min(...closed) >= HEADERS_TIMEOUT_MS - 100, 'closed before the header bound');
      assert.equal(stillOpen, 0, 'idle connections outlived the header bound');
      await probe('after idle connections');
    });
  });
});
