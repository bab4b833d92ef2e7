// The verified-token cache: a token is verified once while it is valid, refused once its
// validity window has passed even though it is cached, and a token that fails verification
// is never remembered.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signAccessToken, verifyAccessTokenWindow, CLOCK_TOLERANCE_SECONDS } from '../../src/auth/jwt.ts';
import type { JwtSettings } from '../../src/auth/jwt.ts';
import { cachedVerifier } from '../../src/auth/token-cache.ts';
import { CASHIER } from '../helpers/fixtures.ts';

const settings: JwtSettings = { key: new TextEncoder().encode('cache-test-secret-0123456789abcdef'), issuer: 'lcm', audience: 'lcm-partner-api', lifetimeSeconds: 600 };

function counted() {
  let calls = 0;
  let clock = Date.now() / 1000;
  const verify = cachedVerifier(
    (jwt) => {
      calls++;
      return verifyAccessTokenWindow(settings, jwt, new Date(clock * 1000));
    },
    3,
    () => clock,
  );
  return { verify, calls: () => calls, advance: (s: number) => (clock += s), now: () => clock };
}

describe('verified-token cache', () => {
  it('verifies a token once while it is valid', async () => {
    const c = counted();
    const jwt = await signAccessToken(settings, CASHIER, Math.floor(c.now()));
    assert.deepEqual(await c.verify(jwt), CASHIER);
    assert.deepEqual(await c.verify(jwt), CASHIER);
    assert.equal(c.calls(), 1);
  });

  it('refuses a cached token once it has expired', async () => {
    const c = counted();
    const jwt = await signAccessToken(settings, CASHIER, Math.floor(c.now()));
    assert.deepEqual(await c.verify(jwt), CASHIER);
    c.advance(settings.lifetimeSeconds + CLOCK_TOLERANCE_SECONDS + 1);
    assert.equal(await c.verify(jwt), undefined);
    assert.equal(c.calls(), 2, 'the expired entry was verified again, and refused');
  });

  it('never remembers a token that failed verification', async () => {
    const c = counted();
    const jwt = await signAccessToken(settings, CASHIER, Math.floor(c.now()));
    const forged = jwt.slice(0, -4) + (jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal(await c.verify(forged), undefined);
    assert.equal(await c.verify(forged), undefined);
    assert.equal(c.calls(), 2);
  });

  it('keeps at most its bound, dropping the oldest', async () => {
    const c = counted();
    const tokens = await Promise.all([1, 2, 3, 4].map((i) => signAccessToken(settings, { ...CASHIER, token: 5000 + i }, Math.floor(c.now()))));
    for (const t of tokens) await c.verify(t);
    assert.equal(c.calls(), 4);
    await c.verify(tokens[3]!);
    assert.equal(c.calls(), 4, 'the newest is cached');
    await c.verify(tokens[0]!);
    assert.equal(c.calls(), 5, 'the oldest was dropped');
  });

  it('answers at once from the cache exactly when the verifier would answer from it', async () => {
    const c = counted();
    const jwt = await signAccessToken(settings, CASHIER, Math.floor(c.now()));
    assert.equal(c.verify.cached(jwt), undefined, 'not verified yet');
    assert.deepEqual(await c.verify(jwt), CASHIER);
    assert.deepEqual(c.verify.cached(jwt), CASHIER);
    assert.equal(c.calls(), 1);
    c.advance(settings.lifetimeSeconds + CLOCK_TOLERANCE_SECONDS + 1);
    assert.equal(c.verify.cached(jwt), undefined, 'expired: the verifier decides');
    assert.equal(await c.verify(jwt), undefined);
    assert.equal(c.calls(), 2);
  });
});
