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

function formFields(contentType: string | undefined, body: unknown): FormFields {
  // OWIN read the body as a form; anything else carries no grant_type (→ unsupported_grant_type).
  const isForm = contentType === undefined || /^application\/x-www-form-urlencoded\b/i.test(contentType);
  const params = new URLSearchParams(isForm && typeof body === 'string' ? body : '');
  const byName = new Map<string, string>();
  for (const [name, value] of params) {
    const key = name.toLowerCase();
    if (!byName.has(key)) byName.set(key, value);
  }
  return (name) => byName.get(name.toLowerCase());
}

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
  scope.post('/ManagerLogin', async (request, reply) => send(reply, await withDeadline(signIn.manager(formFields(request.headers['content-type'], request.body)), bound)));
  scope.post('/ClientLogin', async (request, reply) => send(reply, await withDeadline(signIn.client(formFields(request.headers['content-type'], request.body)), bound)));
}
