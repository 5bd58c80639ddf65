import { SANDBOX_OIDC_SCOPES } from './scopes';

/** `.well-known/smart-configuration` (SMART App Launch 2.2) for the sandbox's FHIR base. */
export function smartConfiguration(issuer: string): Record<string, unknown> {
  return {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    introspection_endpoint: `${issuer}/token/introspection`,
    revocation_endpoint: `${issuer}/token/revocation`,
    grant_types_supported: ['authorization_code', 'refresh_token'],
    response_types_supported: ['code'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_basic', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    id_token_signing_alg_values_supported: ['RS256', 'RS384', 'ES384'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [...SANDBOX_OIDC_SCOPES, 'patient/*.rs', 'user/*.rs', 'patient/*.cruds'],
    capabilities: [
      'launch-ehr',
      'launch-standalone',
      'client-public',
      'client-confidential-symmetric',
      'client-confidential-asymmetric',
      'context-ehr-patient',
      'context-standalone-patient',
      'context-banner',
      'sso-openid-connect',
      'permission-v1',
      'permission-v2',
      'permission-patient',
      'permission-user',
      'permission-offline',
      'permission-online',
    ],
  };
}
