// Serves a declared operation over HTTP: POST on each of its routes, behind the bearer
// token, with the body decoded from JSON, XML or a form and the answer encoded in the
// negotiated format. Adding an operation = a declaration + a domain function + one call:
//   registerOperation(app, clientCreate, (request, ctx) => createClient(store, ctx, request))
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OperationDecl, RequestOf, ResponseOf } from '../contract/types.ts';
import type { CallContext, Outcome, Principal } from '../lib/principal.ts';
import { isForbidden } from '../lib/principal.ts';
import { DecodeError } from '../wire/decode-error.ts';
import { bodyFormatOfHeader, decodeMessage } from '../wire/decode.ts';
import type { BodyFormat } from '../wire/decode.ts';
import { encodeMessage } from '../wire/encode.ts';
import { parseMediaType } from '../wire/media-type.ts';
import { failures, sendNegotiated, wireErrorHandler } from './errors.ts';
import { rawBodyParser } from './raw-body.ts';
import { recordOutcome } from './metrics.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import { keyedRoutes } from './idempotency.ts';

/** An anonymous operation's call: no principal. */
export type AnonymousContext = Omit<CallContext, 'principal'>;

export type OperationHandler<Op extends OperationDecl> = (
  request: RequestOf<Op>,
  ctx: Op extends { anonymous: true } ? AnonymousContext : CallContext,
) => Promise<Outcome<ResponseOf<Op>>>;

/** Methods answered 405 on an operation's routes (others are unknown to the router: 404). */
const OTHER_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** Where onRequest leaves the caller for the handler (a property: cheaper than a WeakMap per request). */
const CALLER = Symbol('caller');
type WithCaller = FastifyRequest & { [CALLER]?: Principal };

/** The Content-Types operations read; any other reaches the same parser by the catch-all (and is answered 415). */
const BODY_TYPES = ['application/json', 'text/json', 'application/xml', 'text/xml', 'application/x-www-form-urlencoded'];

export function registerOperation<Op extends OperationDecl>(app: FastifyInstance, op: Op, handler: OperationHandler<Op>): void {
  // Its own encapsulated scope: the raw body parser and error handler touch no other route.
  void app.register(async (scope) => {
    const { auth, config } = scope.deps;
    // Idempotency-Key (src/http/idempotency.ts): a retry waits at most the request deadline for a request with its key in flight.
    const keyed = keyedRoutes({ ttlHours: config.idempotencyTtlHours, waitMs: config.dbTimeoutMs });
    // Bounded: a database that does not answer makes this a 503, never a hung request.
    const deadlines = new DeadlineQueue(config.dbTimeoutMs);
    const parse = rawBodyParser(config.bodyLimit);
    scope.removeAllContentTypeParsers();
    // The same parser under the usual types too: fastify remembers the parser of a type it
    // has seen, but looks the catch-all up afresh for every request.
    scope.addContentTypeParser(BODY_TYPES, parse);
    scope.addContentTypeParser('*', parse);
    scope.setErrorHandler(wireErrorHandler(op.response));

    // In onRequest, so that 401 precedes reading the body (413, 415, 400). A token verified
    // before is known at once; only a new one waits for its verification.
    const authenticate = (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
      const known = auth.authenticateKnown(request.headers);
      if (known) {
        (request as WithCaller)[CALLER] = known;
        done();
        return;
      }
      auth.authenticate(request.headers).then((principal) => {
        if (!principal) return done(failures.unauthorized());
        (request as WithCaller)[CALLER] = principal;
        done();
      }, done);
    };

    for (const url of op.routes) {
      scope.route({
        method: 'POST',
        url,
        ...(op.anonymous ? {} : { onRequest: authenticate }),
        handler: async (request, reply) => {
          const format = bodyFormat(request);
          const decoded = decodeMessage(op.request, format, request.body instanceof Buffer ? request.body : Buffer.alloc(0));
          const ctx: AnonymousContext | CallContext = op.anonymous
            ? { requestId: request.id, remoteAddress: request.ip }
            : { requestId: request.id, remoteAddress: request.ip, principal: (request as WithCaller)[CALLER]! };
          const outcome: Outcome<ResponseOf<Op>> = await keyed.run(op, request, decoded, ctx, (c) => deadlines.run(handler(decoded as RequestOf<Op>, c as Parameters<OperationHandler<Op>>[1])));
          if (isForbidden(outcome)) throw failures.forbidden();
          const code = (outcome as { ErrorCode?: unknown }).ErrorCode;
          if (typeof code === 'number') recordOutcome(request, op.name, code);
          // Sent here, so nothing to return (returning the reply would make fastify wait on it as a thenable).
          send(request, reply, op, outcome);
        },
      });
      scope.route({
        method: [...OTHER_METHODS],
        url,
        exposeHeadRoute: false,
        handler: async (request) => {
          throw failures.methodNotAllowed(request.method);
        },
      });
    }
  });
}

/** The body's reader from its Content-Type, or 415. */
function bodyFormat(request: FastifyRequest): BodyFormat {
  const header = request.headers['content-type'];
  if (header === undefined) {
    if (request.body instanceof Buffer && request.body.length > 0) throw failures.noContentType();
    // No body and no type: nothing to read, in no format.
    throw new DecodeError('пустое тело запроса');
  }
  const format = bodyFormatOfHeader(header);
  if (!format) throw failures.unsupportedMediaType(parseMediaType(header)?.written ?? header.split(';', 1)[0]!.trim());
  return format;
}

function send<Op extends OperationDecl>(request: FastifyRequest, reply: FastifyReply, op: Op, response: ResponseOf<Op>): FastifyReply {
  return sendNegotiated(request, reply, 200, (format) => encodeMessage(format, op.response, response));
}
