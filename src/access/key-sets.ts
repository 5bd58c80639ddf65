import { createRemoteJWKSet } from 'jose';

/** Asymmetric algorithms only: `none` and HMAC (a secret shared with eligo) are never accepted. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];

export type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

/** One cached remote JWKS per URL: keys are fetched once and refetched (at most every 30 s) for an unknown `kid`. */
export class RemoteKeySets {
  private readonly sets = new Map<string, RemoteKeySet>();

  get(url: string): RemoteKeySet {
    let set = this.sets.get(url);
    if (!set) {
      set = createRemoteJWKSet(new URL(url), { timeoutDuration: 5000, cooldownDuration: 30_000 });
      this.sets.set(url, set);
    }
    return set;
  }
}
