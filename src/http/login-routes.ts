// POST /ManagerLogin and /ClientLogin: OWIN-style OAuth token endpoints. They answer
// OAuth JSON whatever the Accept header says, and read form bodies only; they live in
// their own encapsulated scope so their body parsing and errors touch no other route.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { createSignIn } from '../auth/sign-in.ts';
import type { FormFields, SignInAnswer } from '../auth/sign-in.ts';
import { driverError } from '../db/errors.ts';
import { withDeadline } from '../db/deadline.ts';
import { UNAVAILABLE_RETRY_AFTER, unavailableMessage } from './errors.ts';

const JSON_TYPE = 'application/json;charset=UTF-8';

/** The form's fields, or undefined when the body is not a form (a JSON body, say). */
function formFields(contentType: string | undefined, body: unknown): FormFields | undefined {
  if (contentType !== undefined && !/^application\/x-www-form-urlencoded\b/i.test(contentType)) return undefined;
  const params = new URLSearchParams(typeof body === 'string' ? body : '');
  const byName = new Map<string, string>();
  for (const [name, value] of params) {
    const key = name.toLowerCase();
    if (!byName.has(key)) byName.set(key, value);
  }
  return (name) => byName.get(name.toLowerCase());
}

/** OWIN ignored any other body and answered unsupported_grant_type, which misled: say what is wrong. */
const NOT_A_FORM: SignInAnswer = {
  status: 400,
  body: {
    error: 'invalid_request',
    error_description: 'The body must be application/x-www-form-urlencoded (grant_type=password&username=…&password=…), not JSON or another type.',
  },
};

/** Methods other than POST answer 405 with Allow, as the operations' routes do. */
const OTHER_METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

function send(reply: FastifyReply, answer: SignInAnswer): FastifyReply {
  reply.code(answer.status).header('content-type', JSON_TYPE).header('cache-control', 'no-store').header('pragma', 'no-cache');
  if (answer.status === 429) reply.header('retry-after', String(answer.retryAfter));
  return reply.send(JSON.stringify(answer.body));
}

export async function loginRoutes(scope: FastifyInstance): Promise<void> {
  const { config, store, auth } = scope.deps;
  const signIn = createSignIn(config, store.db, auth);

  // Bodies are read as text and decoded here; they are never logged (they hold passwords).
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  scope.setErrorHandler((err: { statusCode?: number; code?: string; message?: string }, request, reply) => {
    const failure = driverError(err);
    const unavailable = failure.kind === 'unavailable' ? failure.reason : undefined;
    if (unavailable) {
      // RFC 6749's code for a server that cannot answer now; retry after the header's seconds.
      request.log.warn({ cause: unavailable, code: err.code, error: err.message }, 'database unavailable');
      reply.code(503).header('content-type', JSON_TYPE).header('cache-control', 'no-store').header('retry-after', String(UNAVAILABLE_RETRY_AFTER));
      return reply.send(JSON.stringify({ error: 'temporarily_unavailable', error_description: unavailableMessage(unavailable) }));
    }
    const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) request.log.error({ code: err.code }, 'sign-in failed');
    reply.code(status).header('content-type', JSON_TYPE);
    return reply.send(JSON.stringify({ error: status === 500 ? 'server_error' : 'invalid_request' }));
  });

  const bound = config.dbTimeoutMs;
  const endpoints = { '/ManagerLogin': signIn.manager, '/ClientLogin': signIn.client } as const;
  for (const [url, grant] of Object.entries(endpoints)) {
    scope.post(url, async (request, reply) => {
      const form = formFields(request.headers['content-type'], request.body);
      return send(reply, form ? await withDeadline(grant(form), bound) : NOT_A_FORM);
    });
    scope.route({
      method: [...OTHER_METHODS],
      url,
      exposeHeadRoute: false,
      handler: async (request, reply) =>
        reply
          .code(405)
          .header('allow', 'POST')
          .header('content-type', JSON_TYPE)
          .send(JSON.stringify({ Message: `The requested resource does not support http method '${request.method}'.` })),
    });
  }
}
