// A request's logger made on first use (src/http/request-log.ts) writes exactly the lines
// of the child fastify would have made at once, at every level the app may run with.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { FastifyBaseLogger } from 'fastify';
import { requestLogFactory } from '../../src/http/request-log.ts';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** The app's logger at `level`, and the lines it wrote (without their time). */
function appLogger(level: string): { log: FastifyBaseLogger; lines: () => unknown[] } {
  const written: string[] = [];
  const app = Fastify({ logger: { level, stream: { write: (line: string) => void written.push(line) } } });
  return { log: app.log, lines: () => written.map((l) => ({ ...JSON.parse(l), time: undefined })) };
}

const BOOM = new Error('boom');

/** What a request does with its logger, fastify's lines and ours. */
function use(log: FastifyBaseLogger): void {
  log.info({ req: { method: 'POST', url: '/api/client/ClientUpdate' } }, 'incoming request');
  log.debug('a debug line %s', 'with an argument');
  log.warn({ requestId: 'r-1', cause: 'timeout' }, 'database unavailable');
  log.error({ err: BOOM }, 'request failed');
  log.trace({ deep: true }, 'trace');
  log.child({ part: 'inner' }).warn('from a child');
  log.info({ res: { statusCode: 200 }, responseTime: 1.5 }, 'request completed');
  log.fatal('fatal');
}

describe('the request logger made on first use', () => {
  for (const level of LEVELS) {
    it(`writes what fastify's child writes, at level ${level}`, () => {
      const eager = appLogger(level);
      use(eager.log.child({ reqId: 'req-1' }, {}));
      const lazy = appLogger(level);
      const log = requestLogFactory.call(Fastify(), lazy.log, { reqId: 'req-1' }, {});
      assert.equal(log.level, level);
      use(log);
      assert.deepEqual(lazy.lines(), eager.lines());
      if (level !== 'silent') assert.ok(eager.lines().length > 0);
    });
  }

  it('a route with a level of its own gets its child at once', () => {
    const { log } = appLogger('info');
    const child = requestLogFactory.call(Fastify(), log, { reqId: 'req-2' }, { level: 'debug' });
    assert.equal(child.level, 'debug');
  });
});
