// The load generator, in its own process: wrk (when installed, see options.ts) or
// autocannon with 32 connections sends ClientUpdate bodies (request-bodies.ts) for a
// warm-up, then for the measured duration, and reads every answer's ErrorCode. Run by
// run.ts through startWorker.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { BENCH_DIR, serveChild } from './processes.ts';
import { CONTENT_TYPE, body, bodyMaker, errorCodeOf, phoneA, phoneB } from './request-bodies.ts';
import type { BodyMaker } from './request-bodies.ts';
import { Latencies } from './latencies.ts';
import type { LoadResult, LoadSpec } from './types.ts';

export const CLIENT_UPDATE_PATH = '/api/client/ClientUpdate';

interface Phase {
  result: Result;
  latencies: Latencies;
  ok: number;
  codes: Record<string, number>;
}

function phase(spec: LoadSpec, seconds: number, bodies: BodyMaker): Promise<Phase> {
  const latencies = new Latencies();
  const codes: Record<string, number> = {};
  let ok = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url + CLIENT_UPDATE_PATH,
        connections: spec.connections,
        duration: seconds,
        timeout: 10,
        method: 'POST',
        headers: { 'content-type': CONTENT_TYPE[spec.format], authorization: `Bearer ${spec.token}` },
        requests: [
          {
            setupRequest: (req) => ({ ...req, body: bodies.next() }),
            onResponse: (status, text) => {
              if (status < 200 || status > 299) return;
              const code = errorCodeOf(text);
              const key = code === undefined ? 'unreadable' : String(code);
              codes[key] = (codes[key] ?? 0) + 1;
              if (code === 0) ok++;
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve({ result, latencies, ok, codes })),
    );
    instance.on('response', (_client, _status, _bytes, ms) => latencies.add(ms));
  });
}

async function autocannonLoad(spec: LoadSpec): Promise<LoadResult> {
  const bodies = bodyMaker(spec.format, spec.participants, spec.tag);
  const warm = spec.warmupSeconds > 0 ? await phase(spec, spec.warmupSeconds, bodies) : undefined;
  const m = await phase(spec, spec.durationSeconds, bodies);
  const answered = Object.values(m.codes).reduce((a, b) => a + b, 0);
  const responses = m.latencies.count;
  return {
    responses,
    seconds: m.result.duration,
    rps: Math.round(responses / m.result.duration),
    p50: m.latencies.percentile(50),
    p99: m.latencies.percentile(99),
    socketErrors: m.result.errors,
    timeouts: m.result.timeouts,
    non2xx: m.result.non2xx,
    errorCodeNonZero: answered - m.ok,
    okAnswers: { warmup: warm?.ok ?? 0, measured: m.ok },
    errorCodes: m.codes,
  };
}

/** What bench/wrk-client-update.lua prints at the end of a run. */
interface WrkPhase {
  responses: number;
  microseconds: number;
  p50: number;
  p99: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  non2xx: number;
  codes: Record<string, number>;
}

const run = promisify(execFile);

async function wrkPhase(spec: LoadSpec, seconds: number, tag: string): Promise<WrkPhase> {
  // One thread, like autocannon's one event loop; the Lua client makes the bodies.
  const args = ['-t1', `-c${spec.connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', path.join(BENCH_DIR, 'wrk-client-update.lua'), spec.url + CLIENT_UPDATE_PATH];
  const env = {
    ...process.env,
    WRK_BODY: body(spec.format, '{id}', '{seq}', '{phone}'),
    WRK_CONTENT_TYPE: CONTENT_TYPE[spec.format],
    WRK_TOKEN: spec.token,
    WRK_PARTICIPANTS: String(spec.participants),
    WRK_PHONE_A: String(phoneA(0)),
    WRK_PHONE_B: String(phoneB(0)),
    WRK_TAG: tag,
  };
  const { stdout } = await run('wrk', args, { env, maxBuffer: 1 << 20 });
  const line = stdout.split('\n').find((l) => l.startsWith('WRK_RESULT '));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  return JSON.parse(line.slice('WRK_RESULT '.length)) as WrkPhase;
}

async function wrkLoad(spec: LoadSpec): Promise<LoadResult> {
  // The warm-up's names differ from the measured phase's: every request changes something.
  const warm = spec.warmupSeconds > 0 ? await wrkPhase(spec, spec.warmupSeconds, `${spec.tag}w`) : undefined;
  const m = await wrkPhase(spec, spec.durationSeconds, `${spec.tag}m`);
  const answered = Object.values(m.codes).reduce((a, b) => a + b, 0);
  const seconds = m.microseconds / 1e6;
  return {
    responses: m.responses,
    seconds,
    rps: Math.round(m.responses / seconds),
    p50: Math.round(m.p50 / 10) / 100,
    p99: Math.round(m.p99 / 10) / 100,
    socketErrors: m.connect + m.read + m.write + m.timeout,
    timeouts: m.timeout,
    non2xx: m.non2xx,
    errorCodeNonZero: answered - (m.codes['0'] ?? 0),
    okAnswers: { warmup: warm?.codes['0'] ?? 0, measured: m.codes['0'] ?? 0 },
    errorCodes: m.codes,
  };
}

const load = (spec: LoadSpec): Promise<LoadResult> => (spec.generator === 'wrk' ? wrkLoad(spec) : autocannonLoad(spec));

serveChild(load);
