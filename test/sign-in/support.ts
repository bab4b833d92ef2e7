// Shared pieces of the sign-in suites: an app over real HTTP with a movable clock, the
// code dispatcher and change-event dispatcher running, and SMS-gateway receivers.
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import type { Config } from '../../src/config.ts';
import type { Engine } from '../../src/db/store.ts';
import { seededStore } from '../helpers/app.ts';
import type { TestStore } from '../helpers/engines.ts';
import { startCodeDispatcher } from '../../src/auth/code-dispatcher.ts';
import type { CodeDispatcher } from '../../src/auth/code-dispatcher.ts';
import { startDispatcher } from '../../src/webhooks/dispatcher.ts';
import type { Dispatcher } from '../../src/webhooks/dispatcher.ts';
import { startReceiver, waitFor } from '../history/support.ts';
import type { Receiver } from '../history/support.ts';

export { startReceiver, waitFor };
export type { Receiver };

/** A time the tests move forward (a code expires, a limit's window passes) without waiting. */
export class TestClock {
  ms = Date.now();
  now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface SignInServer {
  app: FastifyInstance;
  url: string;
  clock: TestClock;
  close(): Promise<void>;
}

/** Builds the production app over `ts` with `config` changes, listening on 127.0.0.1 (port 0). */
export async function serveApp(ts: TestStore, overrides: Partial<Config> = {}, options: { clock?: TestClock; logStream?: { write(line: string): void } } = {}): Promise<SignInServer> {
  const clock = options.clock ?? new TestClock();
  const app = await buildApp({
    config: { ...ts.config, ...overrides },
    store: ts.store,
    clock: clock.now,
    logger: options.logStream ? { level: 'trace', stream: options.logStream } : false,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, clock, close: () => app.close() };
}

export interface Delivering {
  codes: CodeDispatcher;
  changes: Dispatcher;
  stop(): Promise<void>;
}

export function startDelivering(ts: TestStore, app: FastifyInstance): Delivering {
  const codes = startCodeDispatcher(ts.store, app.deps.codes.keys, { pollMs: 20, retryBaseMs: 40, timeoutMs: 2000 });
  const changes = startDispatcher(ts.store, { pollMs: 20, retryBaseMs: 40, retryMaxMs: 200, timeoutMs: 2000 });
  return { codes, changes, stop: async () => void (await Promise.all([codes.stop(), changes.stop()])) };
}

export async function seeded(engine: Engine): Promise<TestStore> {
  return seededStore(engine);
}

export interface Answer {
  status: number;
  retryAfter: string | null;
  json: Record<string, unknown>;
}

export async function post(url: string, path: string, body: unknown, auth?: string): Promise<Answer> {
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), json: JSON.parse(text) as Record<string, unknown> };
}

export async function clientLogin(url: string, username: string, password: string, operator = '1'): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${url}/ClientLogin`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password, operator }).toString(),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export interface CodeEvent {
  EventId: string;
  Type: string;
  Time: string;
  Operator: number;
  Phone: number;
  Code: string;
  ExpiresAt: string;
}

/** The code events a gateway received, parsed. */
export function codeEvents(r: Receiver): CodeEvent[] {
  return r.requests.map((x) => x.json as unknown as CodeEvent).filter((e) => e.Type === 'participant.confirmation_code');
}

/** Waits for the next code the gateway receives for `phone` (after `seen` earlier ones). */
export async function nextCode(r: Receiver, phone: number, seen: number): Promise<CodeEvent> {
  await waitFor(() => codeEvents(r).filter((e) => e.Phone === phone).length > seen, `code ${seen + 1} for ${phone}`);
  return codeEvents(r).filter((e) => e.Phone === phone)[seen]!;
}

export const OK = { ErrorCode: 0, Message: '' };
