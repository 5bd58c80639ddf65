import { decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { EligoError } from '../errors/eligo-error';
import { ASYMMETRIC_ALGORITHMS, RemoteKeySets } from './key-sets';
import type { Principal } from './principal';
import { scopeSet } from './scope-grammar';

/** An authorisation server whose access tokens (JWTs) the API accepts. */
export interface TrustedIssuer {
  issuer: string;
  /** The `aud` its tokens must carry for eligo: usually eligo's public URL. */
  audience: string;
  jwksUri: string;
}

/**
 * Verifies OAuth 2.0 access tokens that are JWTs (RFC 9068): signature against the issuer's
 * JWKS, `iss` configured, `aud`, `exp` (required), `nbf`. The clock is injected so tests
 * freeze it. Scopes come from `scope` (space-separated) or `scp` (a list).
 */
export class BearerVerifier {
  private readonly keySets = new RemoteKeySets();

  constructor(
    private readonly issuers: readonly TrustedIssuer[],
    private readonly now: () => Date,
  ) {}

  get configured(): boolean {
    return this.issuers.length > 0;
  }

  async verify(token: string): Promise<Extract<Principal, { kind: 'bearer' }>> {
    let unverifiedIssuer: unknown;
    try {
      unverifiedIssuer = decodeJwt(token).iss;
    } catch {
      throw unauthorized('the bearer token is neither a JWT nor an eligo API key');
    }
    // The issuer picks the key set; the signature check below is what makes it trusted.
    const trusted = this.issuers.find((i) => i.issuer === unverifiedIssuer);
    if (!trusted) throw unauthorized('the token\'s issuer is not one this service trusts');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keySets.get(trusted.jwksUri), {
        algorithms: ASYMMETRIC_ALGORITHMS,
        issuer: trusted.issuer,
        audience: trusted.audience,
        requiredClaims: ['exp', 'sub'],
        currentDate: this.now(),
        clockTolerance: 30,
      }));
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'ERR_JWKS_TIMEOUT') {
        throw new EligoError('ERR_FHIR_UNAVAILABLE', 'the authorisation server\'s key set did not answer; try again', { where: 'authorization' });
      }
      throw unauthorized(`the bearer token was refused: ${reasonOf(error)}`);
    }
    const scope = payload.scope ?? payload.scp;
    const clientId = typeof payload.client_id === 'string' ? payload.client_id : typeof payload.azp === 'string' ? payload.azp : undefined;
    return {
      kind: 'bearer',
      issuer: trusted.issuer,
      subject: String(payload.sub),
      ...(clientId ? { clientId } : {}),
      scopes: scopeSet(typeof scope === 'string' || Array.isArray(scope) ? (scope as string | string[]) : undefined),
    };
  }
}

/** jose's codes say what failed (expired, wrong audience, bad signature) without echoing the token. */
function reasonOf(error: unknown): string {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return 'it has expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `claim "${String((error as { claim?: unknown }).claim)}" is not what this service expects`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'its signature does not verify';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'its algorithm is not accepted (asymmetric signatures only)';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'no key of the issuer matches it';
    default:
      return code ? code.toLowerCase().replace(/^err_/, '').replace(/_/g, ' ') : 'it is malformed';
  }
}

function unauthorized(message: string): EligoError {
  return new EligoError('ERR_UNAUTHORIZED', message, { where: 'authorization' });
}
