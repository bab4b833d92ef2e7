// Tokens under attack (docs/reliability.md, "Tokens"), through HTTP on the real app. Builds
// on test/auth/authenticator.test.ts (each refusal once, at the authenticator) and
// test/auth/refresh.test.ts, throttle.test.ts: here thousands of generated token variants —
// algorithms, keys, claims, times, tampering, where the token is sent — aimed at several
// participants by several principals, each answered as the model says with nothing written
// by a refused one; refresh-token reuse and its family; password guessing in parallel.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Arbitrary } from 'fast-check';
import { SignJWT, UnsecuredJWT, exportSPKI, generateKeyPair } from 'jose';
import type { FastifyInstance } from 'fastify';
import { ENGINES } from '../helpers/engines.ts';
import { seededApp } from '../helpers/app.ts';
import type { Seeded } from '../helpers/app.ts';
import { managerLogin, clientLogin, postLogin } from '../helpers/login.ts';
import { findParticipant } from '../../src/participant/store/participants.ts';
import { clientUpdate } from '../../src/contract/client-update.ts';
import { checkShape } from './support/wire-shapes.ts';
import { fuzzSeed } from './support/fuzz-run.ts';

const SECRET = 'tokens-secret-0123456789abcdef0123456789';
const RUNS = Number(process.env.LCM_TOKEN_RUNS || 1500);

type Alg = 'HS256' | 'HS384' | 'HS512' | 'none' | 'RS256' | 'ES256';
type Who = 'cashier' | 'other' | 'client1' | 'client3' | 'bad-oper' | 'client-and-user' | 'no-token-claim' | 'numeric-claims';
interface Variant {
  alg: Alg;
  key: 'right' | 'wrong' | 'empty-ish' | 'rsa-public-pem';
  iss: 'right' | 'wrong' | 'missing';
  aud: 'right' | 'wrong' | 'missing' | 'list-with-right';
  exp: 'ok' | 'past-within-skew' | 'past' | 'missing' | 'string';
  nbf: 'ok' | 'future-within-skew' | 'future' | 'missing';
  who: Who;
  tamper: 'none' | 'payload' | 'signature' | 'strip-signature' | 'extra-segment' | 'lowercase' | 'padding' | 'kid-header';
  where: 'authorization' | 'mloyalty' | 'query' | 'scheme-basic' | 'cookie';
  target: 1 | 2 | 3;
}

const variantArb: Arbitrary<Variant> = fc.record({
  alg: fc.oneof({ weight: 6, arbitrary: fc.constant('HS256' as const) }, { weight: 1, arbitrary: fc.constantFrom('HS384', 'HS512', 'none', 'RS256', 'ES256') as Arbitrary<Alg> }),
  key: fc.oneof({ weight: 6, arbitrary: fc.constant('right' as const) }, { weight: 1, arbitrary: fc.constantFrom('wrong' as const, 'empty-ish' as const, 'rsa-public-pem' as const) }),
  iss: fc.oneof({ weight: 8, arbitrary: fc.constant('right' as const) }, { weight: 1, arbitrary: fc.constantFrom('wrong' as const, 'missing' as const) }),
  aud: fc.oneof({ weight: 8, arbitrary: fc.constant('right' as const) }, { weight: 1, arbitrary: fc.constantFrom('wrong' as const, 'missing' as const, 'list-with-right' as const) }),
  exp: fc.oneof({ weight: 8, arbitrary: fc.constant('ok' as const) }, { weight: 1, arbitrary: fc.constantFrom('past-within-skew' as const, 'past' as const, 'missing' as const, 'string' as const) }),
  nbf: fc.oneof({ weight: 8, arbitrary: fc.constant('ok' as const) }, { weight: 1, arbitrary: fc.constantFrom('future-within-skew' as const, 'future' as const, 'missing' as const) }),
  who: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom('cashier' as const, 'other' as const, 'client1' as const, 'client3' as const) },
    { weight: 1, arbitrary: fc.constantFrom('bad-oper' as const, 'client-and-user' as const, 'no-token-claim' as const, 'numeric-claims' as const) },
  ),
  tamper: fc.oneof(
    { weight: 8, arbitrary: fc.constant('none' as const) },
    { weight: 1, arbitrary: fc.constantFrom('payload' as const, 'signature' as const, 'strip-signature' as const, 'extra-segment' as const, 'lowercase' as const, 'padding' as const, 'kid-header' as const) },
  ),
  where: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('authorization' as const, 'mloyalty' as const) }, { weight: 1, arbitrary: fc.constantFrom('query' as const, 'scheme-basic' as const, 'cookie' as const) }),
  target: fc.constantFrom(1 as const, 2 as const, 3 as const),
});

const CLAIMS: Record<Who, Record<string, unknown>> = {
  cashier: { user: 'cashier', oper: '1', token: '5001', partner: '10', poscode: 'MSK-001', role: 'pos' },
  other: { user: 'other', oper: '2', token: '6001', partner: '20', role: 'admin' },
  client1: { client: '1', oper: '1' },
  client3: { client: '3', oper: '2' },
  'bad-oper': { user: 'cashier', oper: 'one', token: '5001' },
  'client-and-user': { client: '1', user: 'cashier', oper: '1', token: '5001' },
  'no-token-claim': { user: 'cashier', oper: '1' },
  // Numbers where OWIN wrote strings: accepted (auth.md's claims are read leniently).
  'numeric-claims': { user: 'cashier', oper: 1, token: 5001 },
};

/** What the service must answer: 401, 403, or 200 with an ErrorCode (0 = the name is stored). */
function expected(v: Variant): { status: number; code?: number } {
  const signedRight = v.alg === 'HS256' && v.key === 'right';
  const timesOk = (v.exp === 'ok' || v.exp === 'past-within-skew') && v.nbf !== 'future';
  const audienceOk = v.aud === 'right' || v.aud === 'list-with-right';
  const claimsOk = !['bad-oper', 'client-and-user', 'no-token-claim'].includes(v.who);
  const intact = v.tamper === 'none' || v.tamper === 'kid-header';
  const sent = v.where === 'authorization' || v.where === 'mloyalty';
  if (!(signedRight && timesOk && v.iss === 'right' && audienceOk && claimsOk && intact && sent)) return { status: 401 };
  const operator = { cashier: 1, 'numeric-claims': 1, other: 2, client1: 1, client3: 2 }[v.who as 'cashier' | 'numeric-claims' | 'other' | 'client1' | 'client3'];
  if (v.who === 'client1' || v.who === 'client3') {
    const own = v.who === 'client1' ? 1 : 3;
    if (v.target !== own) return { status: 403 };
    return { status: 200, code: 0 };
  }
  const participantOperator = v.target === 3 ? 2 : 1;
  return { status: 200, code: participantOperator === operator ? 0 : 2 };
}

for (const engine of ENGINES) {
  describe(`tokens under attack on ${engine}`, () => {
    let s: Seeded;
    let app: FastifyInstance;
    let rsa: CryptoKeyPair;
    let ec: CryptoKeyPair;
    let rsaPem: string;
    before(async () => {
      s = await seededApp(engine, { jwtSecret: SECRET });
      app = s.app;
      rsa = (await generateKeyPair('RS256')) as CryptoKeyPair;
      ec = (await generateKeyPair('ES256')) as CryptoKeyPair;
      rsaPem = await exportSPKI(rsa.publicKey as never);
    });
    after(() => s.close());

    async function forge(v: Variant): Promise<string> {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = { ...CLAIMS[v.who] };
      if (v.iss !== 'missing') payload.iss = v.iss === 'right' ? s.t.config.jwtIssuer : 'someone-else';
      if (v.aud !== 'missing') payload.aud = v.aud === 'right' ? s.t.config.jwtAudience : v.aud === 'wrong' ? 'another-api' : ['another-api', s.t.config.jwtAudience];
      const exp = { ok: now + 600, 'past-within-skew': now - 120, past: now - 3600, missing: undefined, string: String(now + 600) }[v.exp];
      if (exp !== undefined) payload.exp = exp;
      const nbf = { ok: now - 10, 'future-within-skew': now + 120, future: now + 3600, missing: undefined }[v.nbf];
      if (nbf !== undefined) payload.nbf = nbf;
      payload.iat = now;
      let jwt: string;
      if (v.alg === 'none') {
        jwt = new UnsecuredJWT(payload).encode();
      } else if (v.alg === 'RS256' || v.alg === 'ES256') {
        jwt = await new SignJWT(payload).setProtectedHeader({ alg: v.alg }).sign((v.alg === 'RS256' ? rsa : ec).privateKey as never);
      } else {
        const secret = { right: SECRET, wrong: 'another-secret-0123456789abcdef0123', 'empty-ish': ' ', 'rsa-public-pem': rsaPem }[v.key];
        const header = v.tamper === 'kid-header' ? { alg: v.alg, typ: 'JWT', kid: '../../etc/passwd', jku: 'http://127.0.0.1:1/jwks' } : { alg: v.alg, typ: 'JWT' };
        jwt = await new SignJWT(payload).setProtectedHeader(header).sign(new TextEncoder().encode(secret));
      }
      const [h, p, sig = ''] = jwt.split('.');
      switch (v.tamper) {
        case 'payload': {
          const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
          claims.oper = claims.oper === '2' ? '1' : '2';
          return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
        }
        case 'signature':
          return `${h}.${p}.${sig.length > 1 ? (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1) : 'AAAA'}`;
        case 'strip-signature':
          return `${h}.${p}.`;
        case 'extra-segment':
          return `${jwt}.${sig}`;
        case 'lowercase':
          return jwt.toLowerCase();
        case 'padding':
          return `${h}==.${p}.${sig}`;
        default:
          return jwt;
      }
    }

    it(`${RUNS} generated token variants × principals × targets: each answered as the model says, nothing written by a refused one`, { timeout: 600_000 }, async (t) => {
      const seed = fuzzSeed();
      t.diagnostic(`seed ${seed} (replay: LCM_FUZZ_SEED=${seed} npm run test:reliability -- test/reliability/tokens.test.ts)`);
      let run = 0;
      const tally: Record<string, number> = {};
      await fc.assert(
        fc.asyncProperty(variantArb, async (v) => {
          const jwt = await forge(v);
          const name = `tok-${++run}`;
          const before = await findParticipant(app.deps.store.db, v.target);
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          let url = '/api/client/ClientUpdate';
          if (v.where === 'authorization') headers.authorization = `Bearer ${jwt}`;
          else if (v.where === 'mloyalty') headers['mloyalty-authorization'] = `Bearer ${jwt}`;
          else if (v.where === 'query') url += `?access_token=${jwt}&token=${jwt}`;
          else if (v.where === 'scheme-basic') headers.authorization = `Basic ${jwt}`;
          else headers.cookie = `access_token=${jwt}`;
          const res = await app.inject({ method: 'POST', url, headers, payload: JSON.stringify({ Client: v.target, Name: name }) });
          const shaped = checkShape(
            { status: res.statusCode, contentType: res.headers['content-type'] as string, body: res.body, wwwAuthenticate: res.headers['www-authenticate'] as string | undefined },
            clientUpdate.response.typeName,
          );
          const want = expected(v);
          const key = want.code === undefined ? String(want.status) : `${want.status}/${want.code}`;
          tally[key] = (tally[key] ?? 0) + 1;
          assert.equal(res.statusCode, want.status, `status for ${JSON.stringify(v)}: ${res.body}`);
          if (want.code !== undefined) assert.equal(shaped.errorCode, want.code, res.body);
          const after = await findParticipant(app.deps.store.db, v.target);
          if (want.code === 0) assert.equal(after?.name, name, 'an accepted token changed the name');
          else assert.deepEqual(after, before, 'a refused token changed the participant');
        }),
        { seed, numRuns: RUNS, includeErrorInReport: true },
      );
      t.diagnostic(`answers: ${JSON.stringify(tally)}`);
      assert.ok((tally['200/0'] ?? 0) > RUNS / 10 && (tally['401'] ?? 0) > RUNS / 10 && (tally['403'] ?? 0) > 0 && (tally['200/2'] ?? 0) > 0, 'every kind of answer was exercised');
    });

    it('a refresh token reused after rotation is refused; 20 concurrent uses of one token: exactly one wins; the family is not revoked', async () => {
      const first = await managerLogin(app, 'cashier', 'secret');
      assert.equal(first.status, 200);
      const r1 = first.body.refresh_token as string;
      const refresh = (token: string) => postLogin(app, '/ManagerLogin', { grant_type: 'refresh_token', refresh_token: token });
      const second = await refresh(r1);
      assert.equal(second.status, 200);
      const r2 = second.body.refresh_token as string;
      const reused = await refresh(r1);
      assert.equal(reused.status, 401);
      assert.deepEqual(reused.body, { error: 'invalid_grant', error_description: 'Provided username and password is incorrect' });
      // No family revocation (auth.md asks for none): the successor of a reused token still works, once.
      const third = await refresh(r2);
      assert.equal(third.status, 200, 'the rotated successor survives a reuse of its predecessor');
      const r3 = third.body.refresh_token as string;
      const race = await Promise.all(Array.from({ length: 20 }, () => refresh(r3)));
      assert.equal(race.filter((r) => r.status === 200).length, 1, 'exactly one of 20 concurrent uses wins');
      assert.ok(race.every((r) => r.status === 200 || r.status === 401));
      // A manager's refresh token is no client's.
      const winner = race.find((r) => r.status === 200)!.body.refresh_token as string;
      assert.equal((await postLogin(app, '/ClientLogin', { grant_type: 'refresh_token', refresh_token: winner })).status, 401);
    });

    it('password guessing in parallel: 30 simultaneous guesses for one username are throttled like 30 in a row', async (t) => {
      const started = performance.now();
      const guesses = await Promise.all(Array.from({ length: 30 }, (_, i) => managerLogin(app, 'other', `guess-${i}`)));
      const ms = performance.now() - started;
      const statuses = guesses.map((g) => g.status);
      const checked = statuses.filter((x) => x === 401).length;
      t.diagnostic(`30 parallel guesses: ${checked} checked (401), ${statuses.filter((x) => x === 429).length} refused (429) in ${ms.toFixed(0)} ms`);
      assert.ok(statuses.every((x) => x === 401 || x === 429), statuses.join());
      assert.ok(checked <= 5, `${checked} of 30 parallel guesses had their password checked (limit 5)`);
      const right = await managerLogin(app, 'other', 'other-secret');
      assert.equal(right.status, 429, 'locked even for the right password');
      // Participants' sign-in, in parallel too.
      const clientGuesses = await Promise.all(Array.from({ length: 30 }, (_, i) => clientLogin(app, '79160000002', `guess-${i}`)));
      assert.ok(clientGuesses.filter((g) => g.status === 401).length <= 5, 'client guesses beyond the limit were checked');
      assert.equal((await clientLogin(app, '79160000002', 'maria-secret')).status, 429);
    });
  });
}
