// Verified access tokens, remembered until they expire: a till sends the same token with
// every request, and checking its HMAC each time costs more than the rest of the
// authentication. Only tokens that verified are kept, keyed by their whole text, and each
// hit is checked against the validity window the verification established.
import type { Principal } from '../lib/principal.ts';
import type { VerifiedToken } from './jwt.ts';

export function cachedVerifier(
  verify: (jwt: string) => Promise<VerifiedToken | undefined>,
  max = 10_000,
  now: () => number = () => Date.now() / 1000,
): (jwt: string) => Promise<Principal | undefined> {
  const cache = new Map<string, VerifiedToken>();
  return async (jwt) => {
    const t = now();
    const hit = cache.get(jwt);
    if (hit) {
      if (t >= hit.validFrom && t < hit.validUntil) return hit.principal;
      cache.delete(jwt);
    }
    const verified = await verify(jwt);
    if (!verified) return undefined;
    // Oldest first out: a Map keeps insertion order.
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
    cache.set(jwt, verified);
    return verified.principal;
  };
}
