// A pooled client that idles a few seconds between requests must find its connection still
// open (it used to be closed after 5 s: `socket hang up`, and a POST is not retried), while
// slow clients stay bounded by the header timeout.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';
import { DEFAULTS, loadConfig } from '../../src/config.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads one HTTP/1.1 response with a Content-Length body from the socket. */
function readResponse(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
      if (text.length >= end + 4 + length) {
        cleanup();
        resolve(text);
      }
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`connection closed by the server after: ${JSON.stringify(text)}`));
    };
    const cleanup = () => {
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

describe('keep-alive', () => {
  let s: Seeded;
  let port: number;
  before(async () => {
    // A header bound shorter than the idle pause: the idle time between requests is not a slow request.
    s = await seededApp('sqlite', { headersTimeoutMs: 2000, requestTimeoutMs: 3000 });
    await s.app.listen({ host: '127.0.0.1', port: 0 });
    port = (s.app.server.address() as net.AddressInfo).port;
  });
  after(async () => s.close());

  it('keeps an idle connection 120 s by default, LCM_KEEPALIVE_TIMEOUT_MS otherwise', () => {
    assert.equal(DEFAULTS.keepAliveTimeoutMs, 120_000);
    assert.equal(loadConfig({ LCM_KEEPALIVE_TIMEOUT_MS: '65000' }).keepAliveTimeoutMs, 65_000);
    assert.equal(loadConfig({ LCM_KEEPALIVE_TIMEOUT_MS: '65000' }, { keepAliveTimeoutMs: '90000' }).keepAliveTimeoutMs, 90_000);
    assert.equal(s.app.server.keepAliveTimeout, 120_000);
  });

  it('answers a second request on the same connection after 7 s idle', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    try {
      const request = `GET /health HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`;
      socket.write(request);
      assert.match(await readResponse(socket), /^HTTP\/1\.1 200 /);
      await sleep(7000);
      assert.equal(socket.destroyed, false, 'the server closed the idle connection');
      socket.write(request);
      assert.match(await readResponse(socket), /^HTTP\/1\.1 200 /);
    } finally {
      socket.destroy();
    }
  });

  it('still closes a connection whose request headers do not all arrive', async () => {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
    // Without the header bound this would wait for the 120 s keep-alive or forever.
    await closed;
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });
});
