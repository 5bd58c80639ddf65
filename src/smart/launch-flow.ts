import { createHash, randomBytes } from 'node:crypto';
import type { TokenSet } from 'openid-client';
import { EligoError } from '../errors/eligo-error';
import { registrationFor, type SmartClientRegistration } from './config';
import { redirectUri, type SmartContext } from './context';
import { authorizationUrl, canValidateIdToken, exchangeCode, newAuthorizationSecrets, oauthClient } from './oauth';
import { loggableError } from './safe-error';
import { requestedScopes, type LaunchKind } from './scopes';
import { fhirId, pendingLaunchSchema, refreshAt, type SmartSession } from './session';
import { createSession } from './sessions';

export interface LaunchStart {
  redirectTo: string;
  /** Goes into a short-lived cookie; the callback must come back with it. */
  binding: string;
}

const LAUNCH_PARAM = /^[\x21-\x7e]{1,2048}$/;

/**
 * Starts an EHR launch (`iss` and `launch`) or a standalone launch (`iss` only, or nothing when
 * exactly one EHR is configured): discovery, PKCE S256, state, SMART v2 scopes, `aud` = iss.
 */
export async function beginLaunch(ctx: SmartContext, input: { iss?: string | undefined; launch?: string | undefined }): Promise<LaunchStart> {
  const registration = chooseRegistration(ctx, input.iss);
  if (input.launch !== undefined && !LAUNCH_PARAM.test(input.launch)) {
    throw new EligoError('ERR_ARGUMENT_INVALID', 'the launch parameter is not an opaque token', { where: 'launch' });
  }
  const kind: LaunchKind = input.launch === undefined ? 'standalone' : 'ehr';
  const configuration = await ctx.discovery.discover(registration.iss);
  const { state, codeVerifier, codeChallenge } = newAuthorizationSecrets();
  const binding = randomBytes(32).toString('base64url');
  const scope = requestedScopes(kind, ctx.config);
  const client = oauthClient(configuration, registration, redirectUri(ctx.config));
  const redirectTo = authorizationUrl(client, { scope, state, codeChallenge, aud: registration.iss, ...(input.launch === undefined ? {} : { launch: input.launch }) });
  await ctx.storage.set(
    launchKey(state),
    pendingLaunchSchema.parse({ iss: registration.iss, kind, codeVerifier, bindingHash: sha256(binding), scope, startedAt: ctx.now() }),
    ctx.config.launchTtlSeconds,
  );
  ctx.log.info({ event: 'smart.launch.started', kind, ehr: new URL(registration.iss).origin }, 'SMART launch started');
  return { redirectTo, binding };
}

function chooseRegistration(ctx: SmartContext, iss: string | undefined): SmartClientRegistration {
  if (iss === undefined) {
    if (ctx.config.clients.length === 1) return ctx.config.clients[0] as SmartClientRegistration;
    throw new EligoError('ERR_ARGUMENT_INVALID', 'say which EHR to sign in to: the iss parameter is missing', { where: 'iss' });
  }
  const registration = registrationFor(ctx.config, iss);
  // Fails closed: an unknown iss could point eligo at any server (and hand it a user's launch).
  if (!registration) throw new EligoError('ERR_FORBIDDEN', 'this EHR (iss) is not registered with eligo', { where: 'iss' });
  return registration;
}

/** The redirect back from the EHR: one use of the state, the same browser, then code for tokens. */
export async function completeLaunch(
  ctx: SmartContext,
  params: Record<string, string>,
  binding: string | undefined,
): Promise<{ sessionId: string; session: SmartSession }> {
  const state = params.state;
  if (!state) throw new EligoError('ERR_UNAUTHORIZED', 'the answer from the EHR carries no state; launch eligo again', { where: 'state' });
  const stored = await ctx.storage.get(launchKey(state));
  const parsed = pendingLaunchSchema.safeParse(stored);
  if (stored === undefined || !parsed.success) {
    throw new EligoError('ERR_UNAUTHORIZED', 'this sign-in is unknown or has expired (state); launch eligo again from the EHR', { where: 'state' });
  }
  await ctx.storage.unset(launchKey(state));
  const pending = parsed.data;
  if (binding === undefined || sha256(binding) !== pending.bindingHash) {
    throw new EligoError('ERR_UNAUTHORIZED', 'this sign-in was started in another browser or window; launch eligo again', { where: 'state' });
  }
  if (params.error) {
    ctx.log.warn({ event: 'smart.launch.refused', error: params.error.slice(0, 64) }, 'the EHR refused the authorization');
    throw new EligoError('ERR_UNAUTHORIZED', `the EHR did not authorize eligo (${params.error.slice(0, 64)})`, { where: 'authorization' });
  }
  const registration = registrationFor(ctx.config, pending.iss);
  if (!registration) throw new EligoError('ERR_FORBIDDEN', 'this EHR (iss) is no longer registered with eligo', { where: 'iss' });
  const configuration = await ctx.discovery.discover(registration.iss);
  const client = oauthClient(configuration, registration, redirectUri(ctx.config));

  let tokens: TokenSet;
  try {
    tokens = await exchangeCode(client, configuration, redirectUri(ctx.config), params, { state, codeVerifier: pending.codeVerifier });
  } catch (error) {
    ctx.log.warn({ event: 'smart.token.failed', err: loggableError(error) }, 'the authorization code exchange failed');
    throw new EligoError('ERR_UNAUTHORIZED', 'the EHR did not accept the authorization; launch eligo again', { where: 'token' });
  }
  const session = sessionFromTokens(ctx, pending.iss, pending.kind, tokens, canValidateIdToken(configuration));
  const sessionId = await createSession(ctx, session);
  ctx.log.info(
    { event: 'smart.session.created', kind: pending.kind, refreshable: session.refreshToken !== undefined, scopes: session.scope.split(' ').length },
    'SMART session started',
  );
  return { sessionId, session };
}

function sessionFromTokens(ctx: SmartContext, iss: string, kind: LaunchKind, tokens: TokenSet, idTokenValidated: boolean): SmartSession {
  if (typeof tokens.access_token !== 'string' || tokens.access_token === '') {
    throw new EligoError('ERR_UNAUTHORIZED', 'the EHR answered without an access token', { where: 'token' });
  }
  if (typeof tokens.token_type !== 'string' || tokens.token_type.toLowerCase() !== 'bearer') {
    throw new EligoError('ERR_UNAUTHORIZED', 'the EHR gave a token eligo cannot use (only Bearer tokens are supported)', { where: 'token' });
  }
  const patient = fhirId.safeParse(tokens.patient);
  if (!patient.success) {
    // eligo screens one launched patient; without that context there is nothing it may read.
    throw new EligoError('ERR_FORBIDDEN', 'the EHR gave no patient context (a FHIR id) with the token; launch eligo from a patient chart', { where: 'patient' });
  }
  const now = ctx.now();
  const claims = idTokenValidated && tokens.id_token ? tokens.claims() : undefined;
  const fhirUser = claims?.fhirUser;
  return {
    iss,
    kind,
    patient: patient.data,
    ...(typeof tokens.encounter === 'string' ? { encounter: tokens.encounter } : {}),
    ...(typeof fhirUser === 'string' ? { fhirUser } : {}),
    ...(typeof claims?.sub === 'string' ? { sub: claims.sub } : {}),
    scope: typeof tokens.scope === 'string' ? tokens.scope : '',
    accessToken: tokens.access_token,
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    ...(typeof tokens.expires_in === 'number' ? { accessTokenRefreshAt: refreshAt(now, tokens.expires_in) } : {}),
    needPatientBanner: tokens.need_patient_banner !== false,
    csrfToken: randomBytes(24).toString('base64url'),
    createdAt: now,
    expiresAt: now + ctx.config.sessionTtlSeconds * 1000,
  };
}

export function launchKey(state: string): string {
  return `launch:${state}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
