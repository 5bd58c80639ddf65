import type { JWK } from 'jose';
import { createBackendServicesAuth, discoverTokenEndpoint, staticToken, type AccessTokenProvider } from '../bulk';
import type { Config } from '../config';

/** The settings this reads (the service's config, or a worker's). */
export type AccessTokenConfig = Pick<
  Config,
  'ELIGO_FHIR_TOKEN' | 'ELIGO_BULK_CLIENT_ID' | 'ELIGO_BULK_PRIVATE_KEY_FILE' | 'ELIGO_BULK_KEY_ALG' | 'ELIGO_BULK_KEY_ID' | 'ELIGO_BULK_TOKEN_URL' | 'ELIGO_BULK_SCOPE'
>;
import { EligoError } from '../errors/eligo-error';
import { readConfiguredFile } from '../errors/parse-config';

/**
 * How the service authorizes to its FHIR server, for reads, write-back and Bulk Data alike:
 * SMART Backend Services when a client id and key are configured (the token endpoint from the
 * config or the server's smart-configuration, looked up on first use; tokens renewed before
 * they expire and after a 401), else the fixed ELIGO_FHIR_TOKEN, else none (an open server).
 * The key file is read here, at start-up, so a missing key stops the service naming its variable.
 */
export function accessTokensFromConfig(config: AccessTokenConfig, fhirBaseUrl: string): AccessTokenProvider | undefined {
  const clientId = config.ELIGO_BULK_CLIENT_ID;
  const keyFile = config.ELIGO_BULK_PRIVATE_KEY_FILE;
  if (!clientId || !keyFile) {
    if (clientId || keyFile) {
      throw new EligoError('ERR_CONFIG_INVALID', 'invalid configuration: ELIGO_BULK_CLIENT_ID and ELIGO_BULK_PRIVATE_KEY_FILE go together', { where: clientId ? 'ELIGO_BULK_PRIVATE_KEY_FILE' : 'ELIGO_BULK_CLIENT_ID' });
    }
    return config.ELIGO_FHIR_TOKEN ? staticToken(config.ELIGO_FHIR_TOKEN) : undefined;
  }
  const privateKey = readPrivateKey(keyFile);
  let provider: Promise<AccessTokenProvider> | undefined;
  const backend = (signal?: AbortSignal): Promise<AccessTokenProvider> => {
    provider ??= (config.ELIGO_BULK_TOKEN_URL ? Promise.resolve(config.ELIGO_BULK_TOKEN_URL) : discoverTokenEndpoint(fhirBaseUrl, signal)).then((tokenUrl) =>
      createBackendServicesAuth({
        tokenUrl,
        clientId,
        privateKey,
        alg: config.ELIGO_BULK_KEY_ALG,
        scope: config.ELIGO_BULK_SCOPE,
        ...(config.ELIGO_BULK_KEY_ID ? { kid: config.ELIGO_BULK_KEY_ID } : {}),
      }),
    );
    // A failed discovery is tried again on the next export rather than remembered.
    provider.catch(() => (provider = undefined));
    return provider;
  };
  return {
    token: async (signal) => (await backend(signal)).token(signal),
    invalidate: (token) => {
      void backend().then((p) => p.invalidate(token), () => undefined);
    },
  };
}

function readPrivateKey(file: string): JWK | string {
  const text = readConfiguredFile('ELIGO_BULK_PRIVATE_KEY_FILE', file);
  if (text.includes('-----BEGIN PRIVATE KEY-----')) return text;
  try {
    const jwk = JSON.parse(text) as JWK;
    if (typeof jwk.kty === 'string' && typeof jwk.d === 'string') return jwk;
  } catch {
    // Falls through to the message below: the file content is never echoed, it is a secret.
  }
  throw new EligoError('ERR_CONFIG_INVALID', `invalid configuration: ELIGO_BULK_PRIVATE_KEY_FILE: ${file} is neither a PKCS#8 PEM private key nor a private JWK`, {
    where: 'ELIGO_BULK_PRIVATE_KEY_FILE',
  });
}
