// Calling the app over HTTP in tests, with real tokens issued by the app's authenticator.
import type { FastifyInstance } from 'fastify';
import type { Principal } from '../../src/lib/principal.ts';

export async function bearer(app: FastifyInstance, principal: Principal): Promise<string> {
  return `Bearer ${await app.deps.auth.issueAccessToken(principal)}`;
}

export interface Posted {
  status: number;
  contentType: string | undefined;
  body: string;
  json(): unknown;
}

/** POSTs a JSON body as `principal` (or with no token when principal is null). */
export async function postJson(app: FastifyInstance, url: string, body: unknown, principal: Principal | null, headers: Record<string, string> = {}): Promise<Posted> {
  const auth = principal ? { authorization: await bearer(app, principal) } : {};
  const res = await app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/json', ...auth, ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, contentType: res.headers['content-type'] as string | undefined, body: res.body, json: () => JSON.parse(res.body) };
}
