import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, UnsecuredJWT, decodeJwt } from 'jose';
import type { FastifyInstance } from 'fastify';
import { ENGINES } from '../helpers/engines.ts';
import { seededApp } from '../helpers/app.ts';
import type { TestStore } from '../helpers/engines.ts';
import { managerToken, clientToken, bearer } from '../helpers/tokens.ts';

const SECRET = 'test-secret-0123456789abcdef0123456789';

for (const engine of ENGINES) {
  describe(`authenticator on ${engine}`, () => {
    let ts: TestStore;
    let app: FastifyInstance;
    before(async () => {
      ({ t: ts, app } = await seededApp(engine, { jwtSecret: SECRET }));
    });
    after(async () => {
      await app.close();
      await ts.dispose();
    });

    /** A token with our claims, signed as the caller chooses. */
    const forge = (opts: { secret?: string; iss?: string; aud?: string; exp?: number; nbf?: number; alg?: string }) => {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ user: 'cashier', oper: '1', token: '5001' })
        .setProtectedHeader({ alg: opts.alg ?? 'HS256' })
        .setIssuer(opts.iss ?? ts.config.jwtIssuer)
        .setAudience(opts.aud ?? ts.config.jwtAudience)
        .setIssuedAt(now)
        .setNotBefore(opts.nbf ?? now)
        .setExpirationTime(opts.exp ?? now + 600)
        .sign(new TextEncoder().encode(opts.secret ?? SECRET));
    };

    it('accepts its own manager token under Authorization and Mloyalty-Authorization', async () => {
      const jwt = await managerToken(app, 'cashier');
      const expected = {
        kind: 'manager',
        login: 'cashier',
        operatorId: 1,
        token: 5001,
        partnerId: 10,
        posId: decodeJwt(jwt).pos === undefined ? null : Number(decodeJwt(jwt).pos),
        posCode: 'MSK-001',
        roles: ['pos'],
      };
      assert.equal(app.deps.auth.authenticateKnown(bearer(jwt)), undefined, 'not verified yet');
      assert.deepEqual(await app.deps.auth.authenticate(bearer(jwt)), expected);
      assert.deepEqual(await app.deps.auth.authenticate({ 'mloyalty-authorization': `bearer ${jwt}` }), expected);
      // Verified once: known at once, by either header.
      assert.deepEqual(app.deps.auth.authenticateKnown(bearer(jwt)), expected);
      assert.deepEqual(app.deps.auth.authenticateKnown({ 'mloyalty-authorization': `bearer ${jwt}` }), expected);
      assert.notEqual(expected.posId, null);
    });

    it('accepts a client token as a client principal', async () => {
      const jwt = await clientToken(app, 2);
      assert.deepEqual(await app.deps.auth.authenticate(bearer(jwt)), { kind: 'client', clientId: 2, operatorId: 1 });
    });

    it('a forged token with the right secret is accepted (the control for the refusals below)', async () => {
      const p = await app.deps.auth.authenticate(bearer(await forge({})));
      assert.equal(p?.kind, 'manager');
    });

    it('refuses missing and malformed headers', async () => {
      const auth = app.deps.auth;
      assert.equal(await auth.authenticate({}), undefined);
      assert.equal(await auth.authenticate({ authorization: 'Basic Y2FzaGllcjpzZWNyZXQ=' }), undefined);
      assert.equal(await auth.authenticate({ authorization: 'Bearer' }), undefined);
      assert.equal(await auth.authenticate({ authorization: 'Bearer not.a.jwt' }), undefined);
      for (const headers of [{}, { authorization: 'Basic Y2FzaGllcjpzZWNyZXQ=' }, { authorization: 'Bearer' }, { authorization: 'Bearer not.a.jwt' }]) assert.equal(auth.authenticateKnown(headers), undefined);
    });

    it('refuses another secret, wrong iss or aud, expired, not yet valid, other algorithms and alg none', async () => {
      const now = Math.floor(Date.now() / 1000);
      const auth = app.deps.auth;
      const refused = async (jwt: string, why: string) => assert.equal(await auth.authenticate(bearer(jwt)), undefined, why);
      await refused(await forge({ secret: 'another-secret-0123456789abcdef0123' }), 'other secret');
      await refused(await forge({ iss: 'someone-else' }), 'issuer');
      await refused(await forge({ aud: 'another-api' }), 'audience');
      await refused(await forge({ exp: now - 301, nbf: now - 4000 }), 'expired beyond the 5-minute tolerance');
      await refused(await forge({ nbf: now + 301, exp: now + 4000 }), 'not yet valid beyond the tolerance');
      await refused(await forge({ alg: 'HS512' }), 'HS512');
      const none = new UnsecuredJWT({ user: 'cashier', oper: '1', token: '5001' })
        .setIssuer(ts.config.jwtIssuer)
        .setAudience(ts.config.jwtAudience)
        .setExpirationTime(now + 600)
        .encode();
      await refused(none, 'alg none');
      // The same claims signed well but with the signature stripped.
      const good = await forge({});
      await refused(good.split('.').slice(0, 2).join('.') + '.', 'empty signature');
    });

    it('tolerates up to 5 minutes of clock skew', async () => {
      const now = Math.floor(Date.now() / 1000);
      const auth = app.deps.auth;
      assert.ok(await auth.authenticate(bearer(await forge({ exp: now - 240, nbf: now - 4000 }))), 'expired 4 minutes ago');
      assert.ok(await auth.authenticate(bearer(await forge({ nbf: now + 240 }))), 'valid in 4 minutes');
    });
  });
}
