// Shared pieces of the history suites: call contexts, a seeded store, and a real webhook
// receiver on 127.0.0.1 whose answers the test controls.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Engine } from '../../src/store/db.ts';
import type { CallContext, Principal } from '../../src/domain/principal.ts';
import { seed } from '../../src/store/fixtures.ts';
import { createTestStore } from '../helpers/engines.ts';
import type { TestStore } from '../helpers/engines.ts';
import { FIXTURES } from '../helpers/fixtures.ts';
import type { Config } from '../../src/config.ts';

export const CASHIER: Principal = { kind: 'manager', login: 'cashier', operatorId: 1, token: 5001, partnerId: 10, posId: null, posCode: 'MSK-001', roles: ['pos'] };
export const OTHER_MANAGER: Principal = { kind: 'manager', login: 'other', operatorId: 2, token: 6001, partnerId: 20, posId: null, posCode: null, roles: ['admin'] };
export const CLIENT_1: Principal = { kind: 'client', clientId: 1, operatorId: 1 };

let seq = 0;
export function ctx(principal: Principal, requestId = `req-${++seq}`, remoteAddress = '10.0.0.7'): CallContext {
  return { principal, requestId, remoteAddress };
}

export async function seededStore(engine: Engine, overrides: Partial<Record<keyof Config, unknown>> = {}): Promise<TestStore> {
  const ts = await createTestStore(engine, overrides);
  await seed(ts.store.db, ts.store.engine, FIXTURES);
  return ts;
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
