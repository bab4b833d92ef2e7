// The Idempotency-Key header on the routes of idempotent operations (OperationDecl.idempotent):
// read and checked here, handed to the domain in the call context (which stores and
// replays answers in its transactions: src/idempotency/replay.ts), and its refusals
// answered: 400 for a malformed key (the operation's response, ErrorCode 100, like an
// unreadable body), 422 for a key reused with another request, 409 for a wait on a request
// with the same key that outlasts the request deadline (HttpError bodies, like 403 or 415).
import type { FastifyRequest } from 'fastify';
import type { Counter } from 'prom-client';
import type { OperationDecl } from '../contract/types.ts';
import type { CallContext } from '../lib/principal.ts';
import { DecodeError } from '../wire/decode-error.ts';
import { IDEMPOTENCY_HEADER, claimFor, readKeyHeader, scopeId } from '../idempotency/key.ts';
import { InFlightKeys, KeyInFlight } from '../idempotency/in-flight.ts';
import { KeyReused, isReplay } from '../idempotency/replay.ts';
import { HttpFailure } from './errors.ts';

const MALFORMED = 'заголовок Idempotency-Key должен содержать от 1 до 255 видимых символов ASCII';
const REUSED = 'This Idempotency-Key was already used with a different request. Send a new request with a new key.';
const IN_FLIGHT = 'A request with this Idempotency-Key is still being processed. Retry it later with the same key.';
/** Seconds a client is asked to wait after a 409. */
const IN_FLIGHT_RETRY_AFTER = 1;

export type KeyEvent = 'replayed' | 'stored' | 'reused' | 'in-flight';

// What each answered request did with its key, read back by the metrics when it is done.
const KEY_EVENT = Symbol('keyEvent');
type WithKeyEvent = FastifyRequest & { [KEY_EVENT]?: { operation: string; event: KeyEvent } };

/** A call's context; an anonymous operation's has no principal, and so no key scope. */
type KeyableContext = Omit<CallContext, 'principal'> & { principal?: CallContext['principal'] };

export interface KeyedRoutes {
  /**
   * Runs `handler` for a decoded request of `op`: as it is without the header (or for an
   * operation that is not idempotent), otherwise with the key in its context, after any
   * request of this process with the same key, refusals thrown as HttpFailure/DecodeError.
   */
  run<C extends KeyableContext, T>(op: OperationDecl, request: FastifyRequest, decoded: object, ctx: C, handler: (ctx: C) => Promise<T>): Promise<T>;
}

export function keyedRoutes(options: { ttlHours: number; waitMs: number }): KeyedRoutes {
  const inFlight = new InFlightKeys();
  async function withKey<C extends KeyableContext, T>(op: OperationDecl, request: FastifyRequest, decoded: object, ctx: C, principal: CallContext['principal'], key: string, handler: (ctx: C) => Promise<T>): Promise<T> {
    const claim = claimFor(principal, op.name, key, decoded, options.ttlHours * 3_600_000);
    const note = (event: KeyEvent) => {
      (request as WithKeyEvent)[KEY_EVENT] = { operation: op.name, event };
    };
    try {
      const outcome = await inFlight.run(scopeId(claim), options.waitMs, () => handler({ ...ctx, idempotency: claim }));
      if (isReplay(outcome)) {
        note('replayed');
        request.log.info({ operation: op.name }, 'idempotent retry answered from the stored answer');
      } else if (typeof (outcome as { ErrorCode?: unknown }).ErrorCode === 'number') {
        note('stored');
      }
      return outcome;
    } catch (err) {
      if (err instanceof KeyReused) {
        note('reused');
        throw new HttpFailure(422, REUSED);
      }
      if (err instanceof KeyInFlight) {
        note('in-flight');
        throw new HttpFailure(409, IN_FLIGHT, { 'retry-after': String(IN_FLIGHT_RETRY_AFTER) });
      }
      throw err;
    }
  }
  return {
    // Not async itself: without a key (most requests) the answer is the handler's own promise.
    run(op, request, decoded, ctx, handler) {
      if (!op.idempotent || !ctx.principal) return handler(ctx);
      const header = readKeyHeader(request.headers[IDEMPOTENCY_HEADER]);
      if (header.kind === 'absent') return handler(ctx);
      if (header.kind === 'malformed') return Promise.reject(new DecodeError(MALFORMED));
      return withKey(op, request, decoded, ctx, ctx.principal, header.key, handler);
    },
  };
}

/** Counts a request's key event once it is answered (metrics.ts). */
export function observeKeyEvent(request: FastifyRequest, status: number, counters: { replays: Counter; conflicts: Counter; stored: Counter }): void {
  const e = (request as WithKeyEvent)[KEY_EVENT];
  if (!e) return;
  if (e.event === 'replayed' && status === 200) counters.replays.inc({ operation: e.operation });
  else if (e.event === 'stored' && status === 200) counters.stored.inc({ operation: e.operation });
  else if (e.event === 'reused') counters.conflicts.inc({ operation: e.operation, status: 422 });
  else if (e.event === 'in-flight') counters.conflicts.inc({ operation: e.operation, status: 409 });
}
