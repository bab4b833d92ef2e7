// Every non-200 answer of the wire API, in ASP.NET Web API's shapes and in the negotiated
// format (spec §5, §6): HttpError bodies {"Message":…} / <Error><Message>…</Message></Error>
// for 401/403/404/405/413/415/500/503, the operation's response message with ErrorCode 100
// for 400. One error handler maps whatever was thrown; internals never reach the client.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MessageDecl } from '../contract/types.ts';
import { DecodeError } from '../wire/decode-error.ts';
import { encodeErrorMessage, encodeMessage } from '../wire/encode.ts';
import type { ResponseFormat } from '../wire/encode.ts';
import { parseMediaType } from '../wire/media-type.ts';
import { negotiate } from '../wire/negotiate.ts';
import { unreadableResponse } from '../wire/unreadable.ts';
import { driverError } from '../db/errors.ts';
import type { Unavailability } from '../db/errors.ts';

const DENIED = 'Authorization has been denied for this request.';

/** Seconds a client is asked to wait after a 503 caused by the database. */
export const UNAVAILABLE_RETRY_AFTER = 5;

const UNAVAILABLE_MESSAGES: Record<Unavailability, string> = {
  unreachable: 'The service is temporarily unavailable: the database cannot be reached. Retry later.',
  busy: 'The service is temporarily unavailable: the database is busy. Retry later.',
  timeout: 'The service is temporarily unavailable: the database did not answer in time. Retry later.',
};

export function unavailableMessage(kind: Unavailability): string {
  return UNAVAILABLE_MESSAGES[kind];
}

/** An answer decided before the operation ran (or a 403 from it), thrown to the error handler. */
export class HttpFailure extends Error {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpFailure';
    this.status = status;
    this.headers = headers;
  }
}

export const failures = {
  unauthorized: () => new HttpFailure(401, DENIED, { 'www-authenticate': 'Bearer' }),
  forbidden: () => new HttpFailure(403, DENIED),
  notFound: (uri: string) => new HttpFailure(404, `No HTTP resource was found that matches the request URI '${uri}'.`),
  methodNotAllowed: (method: string) => new HttpFailure(405, `The requested resource does not support http method '${method}'.`, { allow: 'POST' }),
  tooLarge: () => new HttpFailure(413, 'The request entity is too large.'),
  unsupportedMediaType: (mediaType: string) => new HttpFailure(415, `The request entity's media type '${mediaType}' is not supported for this resource.`),
  noContentType: () =>
    new HttpFailure(415, "The request contains an entity body but no Content-Type header. The inferred media type 'application/octet-stream' is not supported for this resource."),
  internal: () => new HttpFailure(500, 'An error has occurred.'),
  /** A rate limit (confirmation codes) refused the request; nothing was done. */
  tooManyRequests: (retryAfterSeconds: number) =>
    new HttpFailure(429, 'Too many requests; retry after the number of seconds in Retry-After.', { 'retry-after': String(retryAfterSeconds) }),
  /** The database cannot serve now: the request is not reported done (a change cut short by the timeout may still commit); retry later. */
  unavailable: (kind: Unavailability) => new HttpFailure(503, UNAVAILABLE_MESSAGES[kind], { 'retry-after': String(UNAVAILABLE_RETRY_AFTER) }),
};

/** Sends `status` with a body rendered in the format negotiated from Accept and Content-Type. */
export function sendNegotiated(request: FastifyRequest, reply: FastifyReply, status: number, render: (format: ResponseFormat) => string): FastifyReply {
  const chosen = negotiate(request.headers.accept, request.headers['content-type']);
  return reply.code(status).header('content-type', chosen.contentType).send(render(chosen.format));
}

export function sendFailure(request: FastifyRequest, reply: FastifyReply, failure: HttpFailure): FastifyReply {
  reply.headers(failure.headers);
  return sendNegotiated(request, reply, failure.status, (format) => encodeErrorMessage(format, failure.message));
}

/** The request URI as ASP.NET showed it: absolute, default port omitted, query included. */
export function absoluteUri(request: FastifyRequest): string {
  const host = request.host.replace(request.protocol === 'https' ? /:443$/ : /:80$/, '');
  return `${request.protocol}://${host}${request.url}`;
}

/**
 * The error handler of the wire API. `response` is the operation's response message (the
 * shape of its 400 body); undefined outside operation routes.
 */
export function wireErrorHandler(response: MessageDecl | undefined) {
  return (err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    // fastify parses the body of an unknown route before its not-found handler runs: a
    // body error there must still answer 404 (route errors come first, spec §6).
    if (request.is404) return sendFailure(request, reply, failures.notFound(absoluteUri(request)));
    if (err instanceof HttpFailure) return sendFailure(request, reply, err);
    if (err instanceof DecodeError && response) {
      const body = unreadableResponse(response, err.what);
      return sendNegotiated(request, reply, 400, (format) => encodeMessage(format, response, body));
    }
    const code = 'code' in err ? err.code : undefined;
    if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendFailure(request, reply, failures.tooLarge());
    if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      // fastify refuses an unparsable Content-Type before reading the body; 413 still comes first.
      if (response && Number(request.headers['content-length']) > request.server.initialConfig.bodyLimit!) return sendFailure(request, reply, failures.tooLarge());
      const written = parseMediaType(request.headers['content-type'])?.written ?? String(request.headers['content-type'] ?? '').split(';', 1)[0]!.trim();
      return sendFailure(request, reply, failures.unsupportedMediaType(written));
    }
    const failure = driverError(err);
    const unavailable = failure.kind === 'unavailable' ? failure.reason : undefined;
    if (unavailable) {
      request.log.warn({ requestId: request.id, cause: unavailable, code, error: err.message }, 'database unavailable');
      return sendFailure(request, reply, failures.unavailable(unavailable));
    }
    request.log.error({ err, requestId: request.id }, 'request failed');
    return sendFailure(request, reply, failures.internal());
  };
}

/** Installs the app-wide 404 and error answers; operation scopes add their own (same) handler. */
export function installWireErrors(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => sendFailure(request, reply, failures.notFound(absoluteUri(request))));
  app.setErrorHandler(wireErrorHandler(undefined));
}
