import { randomUUID } from 'node:crypto';
import { importJWK, importPKCS8, SignJWT } from 'jose';
import type { JWK, KeyLike } from 'jose';
import { z } from 'zod';
import { EligoError } from '../errors/eligo-error';
import { displayBaseUrl } from '../fhir/http/describe-request';
import type { AccessTokenProvider } from '../fhir/http/access-token';
import { parseJsonOrUndefined } from './bulk-http';
import { wait } from './wait';

export interface BackendServicesOptions {
  /** The authorization server's token endpoint (see discoverTokenEndpoint). */
  tokenUrl: string;
  clientId: string;
  /** The client's private key: a private JWK, or PKCS#8 PEM text. */
  privateKey: JWK | string;
  alg: 'RS384' | 'ES384';
  /** The key id registered with the authorization server (the JWK's own kid when absent). */
  kid?: string;
  /** Space-separated SMART scopes, e.g. "system/Patient.rs system/Observation.rs" or "system/*.rs". */
  scope: string;
  /** Per token request. Default 15 000. */
  timeoutMs?: number;
  /** Renew this long before the token expires (at most half its lifetime). Default 60 000. */
  renewBeforeMs?: number;
  /** Attempts after the first when the authorization server cannot be reached or answers 5xx. Default 2. */
  retries?: number;
}

export interface BackendServicesAuth extends AccessTokenProvider {
  /** The scopes the last token was granted (the server may grant fewer than asked). */
  readonly grantedScope: string | undefined;
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((t) => t.toLowerCase() === 'bearer', 'token_type must be Bearer'),
  expires_in: z.number().positive().optional(),
  scope: z.string().optional(),
});

/** SMART Backend Services asks for assertions that expire within five minutes. */
const ASSERTION_LIFETIME_S = 240;
/** A token response without expires_in is trusted this long. */
const UNKNOWN_LIFETIME_S = 60;

/**
 * SMART Backend Services (client_credentials with a private_key_jwt assertion): each token
 * request carries a fresh JWT signed with the client's key (iss = sub = client id, aud = the
 * token URL, a unique jti, a short exp). The token is cached until shortly before it expires;
 * there is no refresh token, a new assertion gets a new token. Concurrent callers share one
 * request. Neither the token nor the assertion ever appears in an error.
 */
export function createBackendServicesAuth(options: BackendServicesOptions): BackendServicesAuth {
  const shownTokenUrl = displayBaseUrl(options.tokenUrl);
  let key: Promise<KeyLike | Uint8Array> | undefined;
  let cached: { token: string; renewAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  let grantedScope: string | undefined;

  const signingKey = (): Promise<KeyLike | Uint8Array> => {
    key ??= typeof options.privateKey === 'string' ? importPKCS8(options.privateKey, options.alg) : importJWK(options.privateKey, options.alg);
    return key;
  };

  const assertion = async (): Promise<string> => {
    const kid = options.kid ?? (typeof options.privateKey === 'string' ? undefined : options.privateKey.kid);
    return new SignJWT({})
      .setProtectedHeader({ alg: options.alg, typ: 'JWT', ...(kid ? { kid } : {}) })
      .setIssuer(options.clientId)
      .setSubject(options.clientId)
      // SMART: the audience is the token endpoint URL, not the issuer (openid-client's default).
      .setAudience(options.tokenUrl)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime(`${ASSERTION_LIFETIME_S}s`)
      .sign(await signingKey());
  };

  const requestToken = async (signal: AbortSignal | undefined): Promise<string> => {
    const retries = options.retries ?? 2;
    for (let attempt = 0; ; attempt++) {
      const body = new URLSearchParams({
        grant_type: 'client_credentials',
        scope: options.scope,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await assertion(),
      });
      let response: Response;
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 15_000);
      try {
        response = await fetch(options.tokenUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body,
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
      } catch (error) {
        if (signal?.aborted) throw new EligoError('ERR_CANCELLED', 'the token request was cancelled');
        if (attempt < retries) {
          await wait(500 * 2 ** attempt, signal);
          continue;
        }
        throw new EligoError('ERR_FHIR_UNAVAILABLE', `the authorization server ${shownTokenUrl} could not be reached (${attempt + 1} attempts)`, { where: shownTokenUrl, cause: error });
      }
      const text = await response.text();
      if (response.status >= 500 && attempt < retries) {
        await wait(500 * 2 ** attempt, signal);
        continue;
      }
      if (!response.ok) throw refused(response.status, text, shownTokenUrl);
      const parsed = tokenResponseSchema.safeParse(parseJsonOrUndefined(text));
      if (!parsed.success) {
        throw new EligoError('ERR_UNAUTHORIZED', `the authorization server ${shownTokenUrl} sent a token response that is not valid: ${parsed.error.issues[0]?.message ?? ''}`, {
          where: shownTokenUrl,
        });
      }
      const lifetimeMs = (parsed.data.expires_in ?? UNKNOWN_LIFETIME_S) * 1000;
      const renewBefore = Math.min(options.renewBeforeMs ?? 60_000, lifetimeMs / 2);
      cached = { token: parsed.data.access_token, renewAt: Date.now() + lifetimeMs - renewBefore };
      grantedScope = parsed.data.scope ?? options.scope;
      return parsed.data.access_token;
    }
  };

  return {
    get grantedScope() {
      return grantedScope;
    },
    token: async (signal) => {
      if (cached && Date.now() < cached.renewAt) return cached.token;
      inFlight ??= requestToken(signal).finally(() => (inFlight = undefined));
      return inFlight;
    },
    invalidate: (token) => {
      if (cached?.token === token) cached = undefined;
    },
  };
}

/** The token endpoint from `[base]/.well-known/smart-configuration`. */
export async function discoverTokenEndpoint(fhirBaseUrl: string, signal?: AbortSignal): Promise<string> {
  const url = `${fhirBaseUrl.replace(/\/+$/, '')}/.well-known/smart-configuration`;
  const shown = displayBaseUrl(fhirBaseUrl);
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: signal ?? AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new EligoError('ERR_FHIR_UNAVAILABLE', `FHIR server ${shown} could not be reached for its SMART configuration`, { where: shown, cause: error });
  }
  const configuration = parseJsonOrUndefined(await response.text()) as { token_endpoint?: unknown } | undefined;
  if (!response.ok || typeof configuration?.token_endpoint !== 'string') {
    throw new EligoError('ERR_CONFIG_INVALID', `FHIR server ${shown} publishes no token_endpoint in .well-known/smart-configuration (${response.status})`, { where: shown });
  }
  return configuration.token_endpoint;
}

function refused(status: number, text: string, where: string): EligoError {
  const body = parseJsonOrUndefined(text) as { error?: unknown; error_description?: unknown } | undefined;
  const error = typeof body?.error === 'string' ? body.error.slice(0, 60) : undefined;
  const description = typeof body?.error_description === 'string' ? `: ${body.error_description.slice(0, 200)}` : '';
  return new EligoError('ERR_UNAUTHORIZED', `the authorization server ${where} refused the token request (${status}${error ? ` ${error}` : ''})${description}`, { where });
}
