import { randomBytes } from 'node:crypto';
import type { TokenSet } from 'openid-client';
import { registrationFor } from './config';
import { redirectUri, type SmartContext } from './context';
import { canValidateIdToken, oauthClient, refreshTokens, verifiedIdentity, type IdTokenIdentity } from './oauth';
import { loggableError } from './safe-error';
import { refreshAt, smartSessionSchema, type ActiveSession, type SmartSession } from './session';

const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const refreshing = new Map<string, Promise<ActiveSession | undefined>>();

export async function createSession(ctx: SmartContext, session: SmartSession): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await save(ctx, id, session);
  return id;
}

/**
 * The session for an id, with a usable access token: refreshed when it is about to expire. An
 * unknown, expired or unrefreshable session is undefined (the caller answers 401), and is
 * removed so a stale token is never sent.
 */
export async function loadSession(ctx: SmartContext, id: string | undefined): Promise<ActiveSession | undefined> {
  if (id === undefined || !SESSION_ID.test(id)) return undefined;
  const parsed = smartSessionSchema.safeParse(await ctx.storage.get(sessionKey(id)));
  if (!parsed.success) return undefined;
  const session = parsed.data;
  const now = ctx.now();
  if (session.expiresAt <= now) {
    await endSession(ctx, id);
    return undefined;
  }
  if (session.accessTokenRefreshAt === undefined || session.accessTokenRefreshAt > now) return { ...session, id };
  const inFlight = refreshing.get(id);
  if (inFlight) return inFlight;
  const attempt = refresh(ctx, id, session).finally(() => refreshing.delete(id));
  refreshing.set(id, attempt);
  return attempt;
}

export async function endSession(ctx: SmartContext, id: string): Promise<void> {
  if (SESSION_ID.test(id)) await ctx.storage.unset(sessionKey(id));
}

async function refresh(ctx: SmartContext, id: string, session: SmartSession): Promise<ActiveSession | undefined> {
  const registration = registrationFor(ctx.config, session.iss);
  if (!session.refreshToken || !registration) {
    await endSession(ctx, id);
    return undefined;
  }
  let tokens: TokenSet;
  let identity: IdTokenIdentity | undefined;
  try {
    const configuration = await ctx.discovery.discover(session.iss);
    tokens = await refreshTokens(oauthClient(configuration, registration, redirectUri(ctx.config)), session.refreshToken);
    if (typeof tokens.id_token === 'string' && canValidateIdToken(configuration)) {
      identity = await verifiedIdentity(configuration, registration.clientId, tokens.id_token);
      // OpenID Connect Core 12.2 allows a refreshed id_token with fewer claims (smart-launcher-v2
      // sends none of aud): it is ignored, and the identity stays the launch's.
      if (!identity) ctx.log.info({ event: 'smart.refresh.id_token_ignored' }, 'the refreshed id_token is incomplete or unverifiable; the launch identity stays');
    }
  } catch (error) {
    ctx.log.warn({ event: 'smart.refresh.failed', err: loggableError(error) }, 'token refresh failed; the session ends');
    await endSession(ctx, id);
    return undefined;
  }
  // The one case a refreshed id_token ends a session: fully valid, yet naming another user than
  // the launch did (OIDC Core 12.2: sub must not change), so the tokens now act for someone else.
  if (identity && namesAnotherUser(session, identity)) {
    ctx.log.warn({ event: 'smart.refresh.user_changed' }, 'token refresh named another user; the session ends');
    await endSession(ctx, id);
    return undefined;
  }
  // The launch context cannot change under a session: a refresh naming another patient ends it.
  if (tokens.patient !== undefined && tokens.patient !== session.patient) {
    ctx.log.warn({ event: 'smart.refresh.context_changed' }, 'token refresh changed the patient context; the session ends');
    await endSession(ctx, id);
    return undefined;
  }
  if (typeof tokens.access_token !== 'string' || tokens.access_token === '') {
    await endSession(ctx, id);
    return undefined;
  }
  const now = ctx.now();
  const updated: SmartSession = {
    ...session,
    accessToken: tokens.access_token,
    // Servers that rotate refresh tokens send a new one; others keep the old one valid.
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    ...(typeof tokens.scope === 'string' ? { scope: tokens.scope } : {}),
  };
  if (typeof tokens.expires_in === 'number') updated.accessTokenRefreshAt = refreshAt(now, tokens.expires_in);
  else delete updated.accessTokenRefreshAt;
  await save(ctx, id, updated);
  ctx.log.info({ event: 'smart.refresh.done' }, 'access token refreshed');
  return { ...updated, id };
}

function namesAnotherUser(session: SmartSession, identity: IdTokenIdentity): boolean {
  if (session.sub !== undefined && identity.sub !== session.sub) return true;
  return session.fhirUser !== undefined && identity.fhirUser !== undefined && identity.fhirUser !== session.fhirUser;
}

async function save(ctx: SmartContext, id: string, session: SmartSession): Promise<void> {
  const ttlSeconds = Math.max(1, Math.ceil((session.expiresAt - ctx.now()) / 1000));
  await ctx.storage.set(sessionKey(id), smartSessionSchema.parse(session), ttlSeconds);
}

function sessionKey(id: string): string {
  return `session:${id}`;
}
