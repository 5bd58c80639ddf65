import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import type { LaunchContexts } from './launch-contexts';
import { loadOidcProvider, type OidcProvider } from './oidc-types';
import { SANDBOX_OIDC_SCOPES, SANDBOX_RESOURCE_SCOPES } from './scopes';

export interface SandboxClient {
  clientId: string;
  /** A confidential client (client_secret_basic); public (PKCE only) without. */
  clientSecret?: string;
  redirectUris: string[];
}

export interface ProviderSettings {
  issuer: string;
  fhirBaseUrl: string;
  clients: SandboxClient[];
  contexts: LaunchContexts;
  accessTokenTtlSeconds: number;
}

/** Signing keys: RS256 (what SMART requires for id_tokens), RS384 and ES384 (backend services). */
async function signingKeys(): Promise<JWK[]> {
  const keys: JWK[] = [];
  for (const alg of ['RS256', 'RS384', 'ES384'] as const) {
    const { privateKey } = await generateKeyPair(alg, { extractable: true });
    keys.push({ ...(await exportJWK(privateKey)), alg, use: 'sig', kid: `sandbox-${alg.toLowerCase()}` });
  }
  return keys;
}

/**
 * oidc-provider configured as a development SMART authorization server: PKCE S256 required,
 * `launch` and `aud` accepted (and checked) as extra authorization parameters, SMART scopes as
 * the FHIR server's resource scopes, `patient` and `need_patient_banner` added to every token
 * response, the id_token carrying fhirUser, and a fresh consent (so a fresh launch context)
 * for every authorization.
 */
export async function createSandboxProvider(settings: ProviderSettings): Promise<OidcProvider> {
  const { default: Provider, errors } = await loadOidcProvider();
  const fhirBase = settings.fhirBaseUrl.replace(/\/+$/, '');
  const resourceScope = SANDBOX_RESOURCE_SCOPES.join(' ');

  const provider = new Provider(settings.issuer, {
    clients: settings.clients.map((c) => ({
      client_id: c.clientId,
      ...(c.clientSecret ? { client_secret: c.clientSecret, token_endpoint_auth_method: 'client_secret_basic' } : { token_endpoint_auth_method: 'none' }),
      redirect_uris: c.redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
    })),
    jwks: { keys: await signingKeys() },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    pkce: { required: () => true },
    scopes: [...SANDBOX_OIDC_SCOPES],
    claims: { openid: ['sub'], fhirUser: ['fhirUser'] },
    // SMART reads fhirUser from the id_token of a code flow, which strict OIDC would move to userinfo.
    conformIdTokenClaims: false,
    extraParams: {
      aud(_ctx: unknown, value: unknown): void {
        if (typeof value !== 'string' || value.replace(/\/+$/, '') !== fhirBase) {
          throw new errors.InvalidRequest('aud must be the FHIR base URL of this EHR');
        }
      },
      launch(ctx: { oidc: { params: { scope?: unknown } } }, value: unknown): void {
        const scopes = String(ctx.oidc.params.scope ?? '').split(' ');
        if (value === undefined) {
          if (scopes.includes('launch')) throw new errors.InvalidRequest('the launch scope needs a launch parameter');
          return;
        }
        if (!settings.contexts.launch(String(value))) throw new errors.InvalidRequest('unknown or expired launch');
      },
    },
    features: {
      devInteractions: { enabled: false },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => fhirBase,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, resource: string) => {
          if (resource.replace(/\/+$/, '') !== fhirBase) throw new errors.InvalidTarget('this sandbox only protects its FHIR server');
          return { scope: resourceScope, audience: fhirBase, accessTokenTTL: settings.accessTokenTtlSeconds, accessTokenFormat: 'opaque' };
        },
      },
    },
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'RS384', 'ES384'],
      clientAuthSigningAlgValues: ['RS384', 'ES384'],
    },
    // Each authorization is a new launch: only the grant the user just approved counts, never an
    // earlier one (which would carry an earlier patient over).
    loadExistingGrant: (ctx: { oidc: { result?: { consent?: { grantId?: string } }; provider: OidcProvider } }) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }, code: { scopes: Set<string> }) =>
      client.grantTypeAllowed('refresh_token') && (code.scopes.has('offline_access') || code.scopes.has('online_access')),
    findAccount: (_ctx: unknown, sub: string) => ({ accountId: sub, claims: () => ({ sub, fhirUser: `Practitioner/${sub}` }) }),
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: settings.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 24 * 3600,
      Interaction: 600,
      Session: 24 * 3600,
      Grant: 24 * 3600,
    },
  });

  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route !== 'token' || ctx.status !== 200) return;
    const body = ctx.body as Record<string, unknown> | undefined;
    if (!body || typeof body.access_token !== 'string') return;
    const context = settings.contexts.forGrant(ctx.oidc.entities.AccessToken?.grantId);
    const oidcScopes = ctx.oidc.entities.Grant?.getOIDCScope() ?? '';
    const scope = [...new Set([...oidcScopes.split(' '), ...String(body.scope ?? '').split(' ')].filter(Boolean))].join(' ');
    ctx.body = { ...body, scope, ...(context ? { patient: context.patient, need_patient_banner: context.needPatientBanner } : {}) };
  });

  return provider;
}
