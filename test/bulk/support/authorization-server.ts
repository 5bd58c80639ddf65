/**
 * A real SMART Backend Services authorization server for the tests: oidc-provider (ESM-only, so
 * it runs in this child process rather than inside jest) with client_credentials and
 * private_key_jwt, each client's public JWKS registered, JWT access tokens signed RS384 for one
 * FHIR server (the audience). Client assertions must name the token URL as their audience
 * (SMART), not merely the issuer.
 *
 *   AUTH_CONFIG='{"audience":"http://127.0.0.1:1234/fhir","clients":[{"clientId":"c","alg":"RS384","jwks":{"keys":[...]}}]}'
 *   node --import tsx test/bulk/support/authorization-server.ts
 *
 * Prints {"issuer","tokenUrl","jwksUri"} as one line once listening; exits when stdin closes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import type { JWK } from 'jose';

interface AuthConfig {
  audience: string;
  clients: { clientId: string; alg: 'RS384' | 'ES384'; jwks: { keys: JWK[] } }[];
  accessTokenTtlSeconds?: number;
}

const SCOPES = 'system/*.rs system/*.read system/Patient.rs system/Observation.rs';

async function main(): Promise<void> {
  const config = JSON.parse(process.env.AUTH_CONFIG ?? '{}') as AuthConfig;
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tokenUrl = `${issuer}/token`;

  // A real dynamic import: oidc-provider 9 is ESM-only.
  const oidc = (await import('oidc-provider')) as unknown as {
    default: new (issuer: string, configuration: Record<string, unknown>) => { callback(): Parameters<typeof server.on>[1] };
    errors: { InvalidTarget: new (description?: string) => Error; InvalidClientAuth: new (description: string) => Error };
  };
  const { privateKey } = await generateKeyPair('RS384', { extractable: true });
  const signing = { ...(await exportJWK(privateKey)), alg: 'RS384', use: 'sig', kid: 'test-as-rs384' };

  const provider = new oidc.default(issuer, {
    clients: config.clients.map((c) => ({
      client_id: c.clientId,
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: c.alg,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      jwks: c.jwks,
      // Never used (no id_token in client_credentials) but checked against the enabled algorithms.
      id_token_signed_response_alg: 'RS384',
    })),
    jwks: { keys: [signing] },
    clientAuthMethods: ['private_key_jwt'],
    enabledJWA: { clientAuthSigningAlgValues: ['RS384', 'ES384'], idTokenSigningAlgValues: ['RS384'] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => config.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource !== config.audience) throw new oidc.errors.InvalidTarget('only the test FHIR server is protected here');
          return { scope: SCOPES, audience: config.audience, accessTokenTTL: config.accessTokenTtlSeconds ?? 300, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS384' } } };
        },
      },
    },
    assertJwtClientAuthClaimsAndHeader: (_ctx: unknown, claims: { aud?: unknown }) => {
      if (claims.aud !== tokenUrl) throw new oidc.errors.InvalidClientAuth('the client assertion audience must be the token URL');
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer, tokenUrl, jwksUri: `${issuer}/jwks` })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
