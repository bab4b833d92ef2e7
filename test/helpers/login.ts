// Posting to the token endpoints as the original's clients did: a form body.
import type { FastifyInstance } from 'fastify';

export interface LoginResponse {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: Record<string, unknown>;
}

export async function postLogin(app: FastifyInstance, path: string, fields: Record<string, string>): Promise<LoginResponse> {
  const res = await app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json() as Record<string, unknown> };
}

export const managerLogin = (app: FastifyInstance, username: string, password: string) =>
  postLogin(app, '/ManagerLogin', { grant_type: 'password', username, password });

export const clientLogin = (app: FastifyInstance, username: string, password: string, operator = '1') =>
  postLogin(app, '/ClientLogin', { grant_type: 'password', username, password, operator });
