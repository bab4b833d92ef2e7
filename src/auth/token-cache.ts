// Verified access tokens, remembered until they expire: a till sends the same token with
// every request, and checking its HMAC each time costs more than the rest of the
// authentication. Only tokens that verified are kept, keyed by their whole text, and each
// hit is checked against the validity window the verification established.
import type { Principal } from '../lib/principal.ts';
import type { VerifiedToken } from './jwt.ts';

/** Verifies a token, answering from the cache when it can; `cached` answers only from the cache, at once. */
export interface CachedVerifier {
  (jwt: string): Promise<Principal | undefined>;
  /** The principal of a cached token within its window, or undefined (the verifier then decides). */
  cached(jwt: string): Principal | undefined;
}

export function cachedVerifier(
  verify: (jwt: string) => Promise<VerifiedToken | undefined>,
  max = 10_000,
  now: () => number = () => Date.now() / 1000,
): CachedVerifier {
  const cache = new Map<string, VerifiedToken>();
  const cached = (jwt: string): Principal | undefined => {
    const hit = cache.get(jwt);
    if (!hit) return undefined;
    const t = now();
    if (t >= hit.validFrom && t < hit.validUntil) return hit.principal;
    cache.delete(jwt);
    return undefined;
  };
  const verifier = async (jwt: string): Promise<Principal | undefined> => {
    const hit = cached(jwt);
    if (hit) return hit;
    const verified = await verify(jwt);
    if (!verified) return undefined;
    // Oldest first out: a Map keeps insertion order.
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
    cache.set(jwt, verified);
    return verified.principal;
  };
  return Object.assign(verifier, { cached });
}
