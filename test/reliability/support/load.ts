// Pieces of the crash test: a seeded random source (test/helpers/random.ts), the real
// `lcm serve` as a child process, and keep-alive HTTP clients that send recognizable
// ClientUpdates.
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { ROOT } from '../../helpers/cli.ts';
import type { ApiValue } from '../../../src/participant/change-record.ts';
export { rng } from '../../helpers/random.ts';

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Spawn → "lcm serving" line, ms. */
  listenMs: number;
  /** Spawn → first /health 200, ms. */
  healthyMs: number;
  /** Everything the process wrote, for failure messages (capped). */
  output(): string;
}

/** Starts `node bin/lcm.js serve` on the database and waits until /health answers 200. */
export async function startServe(database: string, env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/lcm.js'), 'serve', '--port', '0', '--database', database], {
    cwd: ROOT,
    env: { ...process.env, LCM_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (d: Buffer) => {
    if (out.length < 200_000) out += d.toString();
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 30 s:\n${out}`)), 30_000);
    const onExit = (code: number | null, signal: string | null) => {
      clearTimeout(timer);
      reject(new Error(`server exited during start-up (code ${code}, signal ${signal}):\n${out}`));
    };
    child.once('exit', onExit);
    child.stdout!.on('data', () => {
      const m = /lcm serving (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(m[1]!);
      }
    });
  });
  const listenMs = performance.now() - t0;
  for (;;) {
    const res = await fetch(`${url}/health`).catch(() => undefined);
    if (res?.status === 200 && ((await res.json()) as { status?: string }).status === 'ok') break;
    if (performance.now() - t0 > 30_000) throw new Error(`server at ${url} never became healthy:\n${out}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, url, listenMs, healthyMs: performance.now() - t0, output: () => out };
}

/** SIGKILLs the server and waits for it to be gone; fails when it had already exited. */
export async function killServe(s: ServerProcess): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) {
    throw new Error(`the server had already exited (code ${s.child.exitCode}, signal ${s.child.signalCode}) before the kill:\n${s.output()}`);
  }
  const gone = new Promise<string | null>((resolve) => s.child.once('exit', (_code, signal) => resolve(signal)));
  s.child.kill('SIGKILL');
  const signal = await gone;
  if (signal !== 'SIGKILL') throw new Error(`server ended by ${signal}, not SIGKILL`);
}

export interface Posted {
  status: number;
  body: string;
}

export function post(agent: http.Agent, url: string, pathname: string, body: string, headers: Record<string, string>): Promise<Posted> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(pathname, url), { method: 'POST', agent, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function managerBearer(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/ManagerLogin`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'password', username, password }).toString(),
  });
  if (res.status !== 200) throw new Error(`ManagerLogin answered ${res.status}: ${await res.text()}`);
  return `Bearer ${((await res.json()) as { access_token: string }).access_token}`;
}

export type Outcome = 'acked' | 'in-flight' | 'refused';

/** One ClientUpdate sent: its unique Name identifies it in the history. */
export interface Sent {
  seq: number;
  round: number;
  client: number;
  /** API field → the value the history and the participant must show once applied. */
  expect: Record<string, ApiValue>;
  outcome: Outcome;
  answer?: string;
}

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/**
 * A ClientUpdate of `client` with unique values: Name always (so that every request
 * changes something and is found again), Surname, Phone and Email sometimes (unique per
 * request, so no two requests ever conflict), consents, Gender and Birthdate at random.
 */
export function makeUpdate(rand: () => number, seq: number, round: number, client: number): { sent: Sent; body: string } {
  const expect: Record<string, ApiValue> = { Name: `crash-${pad(seq, 7)}` };
  const body: Record<string, unknown> = { Client: client, Name: expect.Name };
  if (rand() < 0.4) body.Surname = expect.Surname = `S${pad(seq, 7)}`;
  if (rand() < 0.5) body.Phone = expect.Phone = 79170000000 + seq;
  if (rand() < 0.5) body.Email = expect.Email = `u${pad(seq, 7)}@crash.example.com`;
  for (const consent of ['AllowSms', 'AllowEmail', 'AllowEmailOnlineCheque']) {
    if (rand() < 0.5) body[consent] = expect[consent] = rand() < 0.5;
  }
  if (rand() < 0.3) body.Gender = expect.Gender = rand() < 0.5 ? 1 : -1;
  if (rand() < 0.2) {
    const date = `${1950 + Math.floor(rand() * 55)}-${pad(1 + Math.floor(rand() * 12), 2)}-${pad(1 + Math.floor(rand() * 28), 2)}`;
    body.Birthdate = date;
    expect.Birthdate = `${date}T00:00:00`;
  }
  return { sent: { seq, round, client, expect, outcome: 'in-flight' }, body: JSON.stringify(body) };
}

export interface LoadOptions {
  url: string;
  authorization: string;
  clients: readonly number[];
  connections: number;
  rand: () => number;
  round: number;
  /** Next sequence number (shared across rounds so that values stay unique). */
  nextSeq(): number;
  record(s: Sent): void;
}

export interface Load {
  /** No new requests from now on (those in flight stay in flight). */
  halt(): void;
  /** Resolves when every worker has ended: its last request answered or failed. */
  settled(): Promise<void>;
  acked(): number;
  /** Resolves at the first acknowledged update (rejects after `ms` without one). */
  firstAck(ms: number): Promise<void>;
}

/** `connections` keep-alive clients, each sending one ClientUpdate after another. */
export function startLoad(o: LoadOptions): Load {
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  let stopped = false;
  let acked = 0;
  let onAck: () => void = () => {};
  const firstAck = new Promise<void>((resolve) => (onAck = resolve));
  const headers = { 'content-type': 'application/json', authorization: o.authorization };
  const worker = async () => {
    while (!stopped) {
      const client = o.clients[Math.floor(o.rand() * o.clients.length)]!;
      const { sent, body } = makeUpdate(o.rand, o.nextSeq(), o.round, client);
      o.record(sent);
      try {
        const res = await post(agent, o.url, '/api/client/ClientUpdate', body, headers);
        sent.answer = `${res.status} ${res.body}`;
        let code: unknown;
        try {
          code = (JSON.parse(res.body) as { ErrorCode?: unknown }).ErrorCode;
        } catch {
          code = undefined;
        }
        if (res.status === 200 && code === 0) {
          sent.outcome = 'acked';
          acked++;
          onAck();
        } else {
          sent.outcome = 'refused';
        }
      } catch {
        // No answer: the server died with the request in flight (or before it was read).
        return;
      }
    }
  };
  const workers = Array.from({ length: o.connections }, worker);
  return {
    halt: () => {
      stopped = true;
    },
    settled: async () => {
      await Promise.all(workers);
      agent.destroy();
    },
    acked: () => acked,
    firstAck: (ms) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no update acknowledged within ${ms} ms of load`)), ms);
        void firstAck.then(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
