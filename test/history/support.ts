// Shared pieces of the history suites: call contexts and a real webhook
// receiver on 127.0.0.1 whose answers the test controls.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallContext, Principal } from '../../src/lib/principal.ts';

let seq = 0;
export function ctx(principal: Principal, requestId = `req-${++seq}`, remoteAddress = '10.0.0.7'): CallContext {
  return { principal, requestId, remoteAddress };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface Received {
  body: string;
  json: { EventId: string; Time: string; Client: number; Operator: number; ContragentId: string | null; Changes: { Field: string; Old: unknown; New: unknown }[] };
  eventId: string | undefined;
  signature: string | undefined;
  contentType: string | undefined;
  /** The status this request was answered with. */
  status: number;
}

export interface Receiver {
  url: string;
  port: number;
  /** Every request, in arrival order. */
  requests: Received[];
  /** Requests answered 2xx. */
  acknowledged(): Received[];
  /** Status for the next requests (default 200). */
  answer: number;
  close(): Promise<void>;
}

/** Starts a receiver; `port` reuses a port (to come back after "refusing connections"). */
export async function startReceiver(port = 0): Promise<Receiver> {
  const requests: Received[] = [];
  const state = { answer: 200 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const status = state.answer;
      requests.push({
        body,
        json: JSON.parse(body) as Received['json'],
        eventId: req.headers['x-lcm-event-id'] as string | undefined,
        signature: req.headers['x-lcm-signature'] as string | undefined,
        contentType: req.headers['content-type'],
        status,
      });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/hook`,
    port: actual,
    requests,
    acknowledged: () => requests.filter((r) => r.status >= 200 && r.status < 300),
    get answer() {
      return state.answer;
    },
    set answer(v: number) {
      state.answer = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
