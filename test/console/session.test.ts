// POST/DELETE /console/session over HTTP, on both engines: the refresh token only in an
// HttpOnly, SameSite=Strict cookie of /console; refresh rotates it (the old one is refused);
// sign-out uses it up; requests without the console's header or JSON type are refused (CSRF).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINES } from '../helpers/engines.ts';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';
import { REFRESH_COOKIE } from '../../src/http/console/session.ts';
import { CONSOLE_CSP } from '../../src/http/console/routes.ts';

const PAGE = { 'content-type': 'application/json', 'x-lcm-console': '1' };

for (const engine of ENGINES) {
  describe(`console session on ${engine}`, () => {
    let s: Seeded;
    before(async () => {
      s = await seededApp(engine);
    });
    after(async () => s?.close());

    const post = (url: string, body: unknown, headers: Record<string, string> = PAGE, cookie?: string) =>
      s.app.inject({ method: 'POST', url, headers: { ...headers, ...(cookie ? { cookie: `${REFRESH_COOKIE}=${cookie}` } : {}) }, payload: JSON.stringify(body) });
    /** The refresh token a response set, and the cookie's attributes. */
    const setCookie = (res: { headers: Record<string, unknown> }) => {
      const header = String(res.headers['set-cookie'] ?? '');
      const m = new RegExp(`^${REFRESH_COOKIE}=([^;]*); (.*)$`).exec(header);
      assert.ok(m, header);
      return { value: m[1]!, attributes: m[2]! };
    };
    const signIn = async () => {
      const res = await post('/console/session', { login: 'cashier', password: 'secret' });
      assert.equal(res.statusCode, 200, res.body);
      return { body: res.json() as Record<string, unknown>, cookie: setCookie(res), res };
    };

    it('signs in: the answer holds the access token only, the refresh token is an HttpOnly, SameSite=Strict cookie of /console', async () => {
      const { body, cookie, res } = await signIn();
      assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in']);
      assert.ok(cookie.value.length >= 40);
      assert.equal(cookie.attributes, `Path=/console; HttpOnly; SameSite=Strict; Max-Age=${s.t.config.refreshLifetimeMinutes * 60}`);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers['content-security-policy'], CONSOLE_CSP);
      // The access token works on the API.
      const api = await s.app.inject({ method: 'POST', url: '/api/client/ClientSearch', headers: { authorization: `Bearer ${String(body.access_token)}`, 'content-type': 'application/json' }, payload: '{"Query":"Петров"}' });
      assert.equal((api.json() as { Clients: unknown[] }).Clients.length, 1);
    });

    it('answers a wrong password 401 with no cookie', async () => {
      const res = await post('/console/session', { login: 'cashier', password: 'nope' });
      assert.equal(res.statusCode, 401);
      assert.equal(res.headers['set-cookie'], undefined);
      assert.deepEqual(res.json(), { error: 'invalid_grant', error_description: 'Provided username and password is incorrect' });
    });

    it('refreshes from the cookie, rotating it: the old refresh token is refused and its cookie cleared', async () => {
      const first = await signIn();
      const refreshed = await post('/console/session/refresh', {}, PAGE, first.cookie.value);
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      assert.ok((refreshed.json() as { access_token?: string }).access_token);
      const second = setCookie(refreshed);
      assert.notEqual(second.value, first.cookie.value);
      const reused = await post('/console/session/refresh', {}, PAGE, first.cookie.value);
      assert.equal(reused.statusCode, 401);
      assert.match(String(reused.headers['set-cookie']), new RegExp(`^${REFRESH_COOKIE}=; .*Max-Age=0`));
      assert.equal((await post('/console/session/refresh', {}, PAGE)).statusCode, 401, 'no cookie, no session');
    });

    it('signs out: the refresh token is used up and the cookie cleared', async () => {
      const { cookie } = await signIn();
      const out = await s.app.inject({ method: 'DELETE', url: '/console/session', headers: { ...PAGE, cookie: `${REFRESH_COOKIE}=${cookie.value}` }, payload: '{}' });
      assert.equal(out.statusCode, 204);
      assert.match(String(out.headers['set-cookie']), /Max-Age=0/);
      assert.equal((await post('/console/session/refresh', {}, PAGE, cookie.value)).statusCode, 401);
    });

    it('refuses requests without the console header or the JSON type (CSRF), before any sign-in or refresh', async () => {
      const { cookie } = await signIn();
      const noHeader = await post('/console/session/refresh', {}, { 'content-type': 'application/json' }, cookie.value);
      assert.equal(noHeader.statusCode, 403);
      const form = await s.app.inject({
        method: 'POST',
        url: '/console/session/refresh',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-lcm-console': '1', cookie: `${REFRESH_COOKIE}=${cookie.value}` },
        payload: 'a=1',
      });
      assert.ok(form.statusCode >= 400 && form.statusCode < 500, String(form.statusCode));
      assert.equal(form.headers['set-cookie'], undefined);
      const signInForm = await s.app.inject({ method: 'POST', url: '/console/session', headers: { 'content-type': 'text/plain' }, payload: '{"login":"cashier","password":"secret"}' });
      assert.ok(signInForm.statusCode >= 400 && signInForm.statusCode < 500);
      assert.equal(signInForm.headers['set-cookie'], undefined);
      // The cookie refused above still works from the page: nothing was consumed.
      assert.equal((await post('/console/session/refresh', {}, PAGE, cookie.value)).statusCode, 200);
    });

    it('serves the console files with their types, an ETag (304 when unchanged) and the CSP', async () => {
      for (const [url, type] of [['/console', 'text/html; charset=utf-8'], ['/console/app.js', 'text/javascript; charset=utf-8'], ['/console/console.css', 'text/css; charset=utf-8']] as const) {
        const res = await s.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 200, url);
        assert.equal(res.headers['content-type'], type, url);
        assert.equal(res.headers['cache-control'], 'no-cache', url);
        assert.equal(res.headers['content-security-policy'], CONSOLE_CSP, url);
        const again = await s.app.inject({ method: 'GET', url, headers: { 'if-none-match': String(res.headers.etag) } });
        assert.equal(again.statusCode, 304, url);
      }
      assert.equal((await s.app.inject({ method: 'GET', url: '/console/../package.json' })).statusCode, 404);
      assert.equal((await s.app.inject({ method: 'GET', url: '/console/nope.js' })).statusCode, 404);
    });
  });
}
