import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { forbiddenError, unauthorizedError } from '../outcomes';

/**
 * Tokens the server accepts for $export: JWT access tokens from one SMART Backend Services
 * authorization server, checked against its JWKS (signature, issuer, audience, expiry).
 */
export interface AccessTokenRequirement {
  /** The authorization server's issuer (`iss` of its tokens). */
  issuer: string;
  /** Where its signing keys are published. */
  jwksUri: string;
  /** The `aud` tokens must carry; default: this FHIR server's base URL as the client addressed it. */
  audience?: string;
  /** Advertised in `.well-known/smart-configuration` so clients can find the token endpoint. */
  tokenEndpoint?: string;
  /** Accepted signing algorithms. Default RS256, RS384, ES256, ES384. */
  algorithms?: string[];
}

export interface TokenHolder {
  /** client_id (or sub): the owner of the jobs it starts. */
  client: string;
  scopes: readonly string[];
}

export type TokenCheck = (authorization: string | undefined, audience: string) => Promise<TokenHolder>;

const CLOCK_TOLERANCE_S = 5;

export function createTokenCheck(requirement: AccessTokenRequirement): TokenCheck {
  const keys = createRemoteJWKSet(new URL(requirement.jwksUri));
  const algorithms = requirement.algorithms ?? ['RS256', 'RS384', 'ES256', 'ES384'];
  return async (authorization, audience) => {
    const match = /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization?.trim() ?? '');
    if (!match?.[1]) throw unauthorizedError('a Bearer access token is required (SMART Backend Services)');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], keys, {
        issuer: requirement.issuer,
        audience: requirement.audience ?? audience,
        algorithms,
        clockTolerance: CLOCK_TOLERANCE_S,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      // The reason (expired, wrong audience, bad signature) helps the client; the token itself is never echoed.
      throw unauthorizedError(`the access token was refused: ${describeJoseError(error)}`);
    }
    const client = stringClaim(payload.client_id) ?? payload.sub;
    if (!client) throw unauthorizedError('the access token names no client (client_id or sub)');
    return { client, scopes: (stringClaim(payload.scope) ?? '').split(' ').filter(Boolean) };
  };
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'it has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim ${error.claim} is not as required`;
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the authorization server matches it';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'its signing algorithm is not accepted';
  if (error instanceof joseErrors.JOSEError) return error.code;
  return 'the authorization server keys could not be read';
}

/**
 * Whether SMART scopes allow reading a type at system level: v2 `system/Type.rs` (any set of
 * letters with r) or `system/*.r...`, v1 `system/Type.read` or `.*`. Patient and user scopes do
 * not cover a bulk export of many patients: anything else fails closed.
 */
export function scopesAllowRead(scopes: readonly string[], type: string): boolean {
  return scopes.some((scope) => {
    const match = /^system\/([A-Za-z]+|\*)\.([a-z*]+)(?:\?.*)?$/.exec(scope);
    if (!match) return false;
    const [, scopeType, permission = ''] = match;
    if (scopeType !== '*' && scopeType !== type) return false;
    // A v2 scope with a query (system/Observation.rs?category=...) limits what may be read; exporting everything would exceed it.
    if (scope.includes('?')) return false;
    if (permission === 'read' || permission === '*') return true;
    return /^c?r/.test(permission) && /^c?ru?d?s?$/.test(permission);
  });
}

export function assertScopesAllow(holder: TokenHolder, types: readonly string[]): void {
  const missing = types.filter((type) => !scopesAllowRead(holder.scopes, type));
  if (missing.length > 0) throw forbiddenError(`the access token's scopes do not allow reading ${missing.join(', ')} (system/<Type>.rs or system/*.rs)`);
}
