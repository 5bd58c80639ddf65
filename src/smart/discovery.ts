import { z } from 'zod';
import { EligoError } from '../errors/eligo-error';

/** The parts of `{iss}/.well-known/smart-configuration` (SMART App Launch 2.x) eligo uses. */
export const smartConfigurationSchema = z.looseObject({
  issuer: z.string().min(1).optional(),
  jwks_uri: z.url().optional(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  code_challenge_methods_supported: z.array(z.string()).optional(),
  capabilities: z.array(z.string()).default([]),
  scopes_supported: z.array(z.string()).optional(),
});
export type SmartConfiguration = z.infer<typeof smartConfigurationSchema>;

const TTL_MS = 10 * 60 * 1000;
const TIMEOUT_MS = 10_000;

export interface SmartDiscovery {
  discover(iss: string): Promise<SmartConfiguration>;
}

/**
 * Reads and checks an EHR's SMART configuration, cached for ten minutes per `iss`. PKCE S256 is
 * required of the server: a configuration that does not list it is refused rather than
 * launched without PKCE or with `plain`.
 */
export function createSmartDiscovery(fetchImpl: typeof fetch = fetch): SmartDiscovery {
  const cache = new Map<string, { at: number; value: Promise<SmartConfiguration> }>();
  return {
    discover(iss) {
      const hit = cache.get(iss);
      if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
      const value = read(fetchImpl, iss);
      cache.set(iss, { at: Date.now(), value });
      value.catch(() => cache.delete(iss));
      return value;
    },
  };
}

async function read(fetchImpl: typeof fetch, iss: string): Promise<SmartConfiguration> {
  const url = `${iss.replace(/\/+$/, '')}/.well-known/smart-configuration`;
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch {
    throw new EligoError('ERR_FHIR_UNAVAILABLE', `the EHR's SMART configuration could not be read from ${url}`, { where: url });
  }
  if (!response.ok) {
    throw new EligoError('ERR_FHIR_REQUEST_FAILED', `the EHR answered ${response.status} for its SMART configuration at ${url}`, { where: url });
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    throw new EligoError('ERR_FHIR_REQUEST_FAILED', `the EHR's SMART configuration at ${url} is not JSON`, { where: url });
  }
  const parsed = smartConfigurationSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EligoError('ERR_FHIR_REQUEST_FAILED', `the EHR's SMART configuration at ${url} is unusable: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(), {
      where: url,
    });
  }
  if (!parsed.data.code_challenge_methods_supported?.includes('S256')) {
    throw new EligoError('ERR_FHIR_REQUEST_FAILED', `the EHR's SMART configuration at ${url} does not offer PKCE S256; eligo does not launch without it`, {
      where: url,
    });
  }
  return parsed.data;
}
