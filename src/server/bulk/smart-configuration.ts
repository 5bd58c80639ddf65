import type { AccessTokenRequirement } from './access-token';

/**
 * `.well-known/smart-configuration` for a server that takes Backend Services tokens: where the
 * token endpoint is and what it accepts (SMART App Launch 2.x, "Backend Services").
 */
export function smartConfiguration(requirement: AccessTokenRequirement): Record<string, unknown> {
  return {
    issuer: requirement.issuer,
    jwks_uri: requirement.jwksUri,
    token_endpoint: requirement.tokenEndpoint,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    scopes_supported: ['system/*.rs', 'system/*.read'],
    capabilities: ['client-confidential-asymmetric', 'permission-v2', 'permission-v1'],
  };
}
