// The load generator, in its own process: autocannon with 32 connections sends ClientUpdate
// bodies (request-bodies.ts) for a warm-up, then for the measured duration, and reads every
// answer's ErrorCode. Run by run.ts through runChild.
import autocannon from 'autocannon';
import type { Result } from 'autocannon';
import { serveChild } from './processes.ts';
import { CONTENT_TYPE, bodyMaker, errorCodeOf } from './request-bodies.ts';
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
            onResponse: (status, body) => {
              if (status < 200 || status > 299) return;
              const code = errorCodeOf(body);
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

async function load(spec: LoadSpec): Promise<LoadResult> {
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

serveChild(load);
