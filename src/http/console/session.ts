// The console's sign-in session (docs/console.md#security). The page never holds the refresh
// token: this endpoint performs the /ManagerLogin grants server-side, keeps the refresh token
// in an HttpOnly, SameSite=Strict cookie scoped to /console, and answers the page only the
// access token, which the page keeps in memory. Every call must carry the JSON content type
// and the X-Lcm-Console header, which no cross-site form or link can send (a cross-origin
// script would need a CORS preflight, which this service never grants): with SameSite=Strict
// this is the CSRF defence.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createSignIn, hashRefreshToken } from '../../auth/sign-in.ts';
import type { SignInAnswer } from '../../auth/sign-in.ts';
import { takeRefreshToken } from '../../auth/store/refresh-tokens.ts';
import { withDeadline } from '../../db/deadline.ts';

export const REFRESH_COOKIE = 'lcm_console_refresh';
export const CONSOLE_HEADER = 'x-lcm-console';

interface Credentials {
  login?: unknown;
  password?: unknown;
}

/** The value of one cookie of the request, if sent. */
function cookie(request: FastifyRequest, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function setRefreshCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds: number): void {
  // Secure whenever the page came over TLS; a plain-http console is for loopback use only.
  const secure = request.protocol === 'https' ? '; Secure' : '';
  reply.header('set-cookie', `${REFRESH_COOKIE}=${encodeURIComponent(value)}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`);
}

/** True for a request the page itself sent (see the CSRF note above). */
function fromThePage(request: FastifyRequest): boolean {
  const type = request.headers['content-type'] ?? '';
  return request.headers[CONSOLE_HEADER] === '1' && /^application\/json\b/i.test(type);
}

export async function consoleSession(scope: FastifyInstance): Promise<void> {
  const { config, store, auth } = scope.deps;
  const signIn = createSignIn(config, store.db, auth);
  const refreshSeconds = config.refreshLifetimeMinutes * 60;
  const bound = config.dbTimeoutMs;

  scope.addHook('preHandler', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!fromThePage(request)) return reply.code(403).send({ error: 'forbidden', error_description: 'console requests only' });
  });

  /** The page's answer: the access token only; the refresh token goes into the cookie. */
  const answer = (request: FastifyRequest, reply: FastifyReply, signedIn: SignInAnswer, grant: 'password' | 'refresh'): FastifyReply => {
    if (signedIn.status !== 200) {
      if (signedIn.status === 429) reply.header('retry-after', String(signedIn.retryAfter));
      // A refresh that failed leaves no cookie behind.
      if (grant === 'refresh') setRefreshCookie(request, reply, '', 0);
      return reply.code(signedIn.status).send(signedIn.body);
    }
    setRefreshCookie(request, reply, signedIn.body.refresh_token, refreshSeconds);
    return reply.send({ access_token: signedIn.body.access_token, expires_in: signedIn.body.expires_in });
  };

  scope.post<{ Body: Credentials }>('/console/session', async (request, reply) => {
    const { login, password } = request.body ?? {};
    const form = { grant_type: 'password', username: typeof login === 'string' ? login : '', password: typeof password === 'string' ? password : '' };
    const signedIn = await withDeadline(signIn.manager((name) => form[name.toLowerCase() as keyof typeof form]), bound);
    return answer(request, reply, signedIn, 'password');
  });

  scope.post('/console/session/refresh', async (request, reply) => {
    const token = cookie(request, REFRESH_COOKIE) ?? '';
    const form: Record<string, string> = { grant_type: 'refresh_token', refresh_token: token };
    return answer(request, reply, await withDeadline(signIn.manager((name) => form[name.toLowerCase()]), bound), 'refresh');
  });

  // Sign-out: the refresh token is consumed (it can no longer be used) and the cookie cleared.
  scope.delete('/console/session', async (request, reply) => {
    const token = cookie(request, REFRESH_COOKIE);
    if (token) await withDeadline(takeRefreshToken(store.db, hashRefreshToken(token), 'manager'), bound);
    setRefreshCookie(request, reply, '', 0);
    return reply.code(204).send();
  });
}
