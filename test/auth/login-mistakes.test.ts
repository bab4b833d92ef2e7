// Sign-in as a new user first tries it: a JSON body, or a GET from the browser's address bar.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';
import { managerLogin } from '../helpers/login.ts';

describe('sign-in mistakes', () => {
  let s: Seeded;
  before(async () => (s = await seededApp('sqlite')));
  after(async () => s.close());

  for (const path of ['/ManagerLogin', '/ClientLogin']) {
    it(`${path} with a JSON body: 400 invalid_request saying the body must be a form`, async () => {
      const res = await s.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ grant_type: 'password', username: 'cashier', password: 'secret', operator: 1 }),
      });
      assert.equal(res.statusCode, 400);
      const body = res.json();
      assert.equal(body.error, 'invalid_request');
      assert.match(body.error_description, /application\/x-www-form-urlencoded/);
    });

    it(`GET ${path} (any case): 405 with Allow: POST`, async () => {
      for (const url of [path, path.toLowerCase()]) {
        const res = await s.app.inject({ method: 'GET', url });
        assert.equal(res.statusCode, 405, url);
        assert.equal(res.headers.allow, 'POST');
        assert.deepEqual(res.json(), { Message: "The requested resource does not support http method 'GET'." });
      }
    });
  }

  it('a form body still signs in, and a form without grant_type is still unsupported_grant_type', async () => {
    assert.equal((await managerLogin(s.app, 'cashier', 'secret')).status, 200);
    const res = await s.app.inject({ method: 'POST', url: '/ManagerLogin', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=cashier' });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error, 'unsupported_grant_type');
  });
});
