import { z } from 'zod';

/** FHIR ids only: a launch context that is anything else is refused, never put into a URL. */
export const fhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'not a FHIR id');

/** A launch between the redirect to the EHR and its redirect back, keyed by `state`. */
export const pendingLaunchSchema = z.strictObject({
  iss: z.string(),
  kind: z.enum(['ehr', 'standalone']),
  codeVerifier: z.string(),
  /** sha256 of the launch-binding cookie: the browser that started the launch must finish it. */
  bindingHash: z.string(),
  scope: z.string(),
  startedAt: z.number(),
});
export type PendingLaunch = z.infer<typeof pendingLaunchSchema>;

/** An app session after a launch: the tokens stay on the server, the browser holds only the id. */
export const smartSessionSchema = z.strictObject({
  iss: z.string(),
  kind: z.enum(['ehr', 'standalone']),
  patient: fhirId,
  encounter: z.string().optional(),
  fhirUser: z.string().optional(),
  /** The `sub` of the launch's validated id_token: a refresh naming another user ends the session. */
  sub: z.string().optional(),
  /** Scopes granted, which may be fewer than asked for. */
  scope: z.string(),
  accessToken: z.string(),
  refreshToken: z.string().optional(),
  /** Epoch ms when the access token is refreshed: shortly before it expires; absent when the EHR gave no expires_in. */
  accessTokenRefreshAt: z.number().optional(),
  needPatientBanner: z.boolean(),
  /** Sent back with every form post (synchroniser token). */
  csrfToken: z.string(),
  createdAt: z.number(),
  /** Epoch ms: the absolute end of the session. */
  expiresAt: z.number(),
});
export type SmartSession = z.infer<typeof smartSessionSchema>;

/** A session as route handlers see it: with its id, tokens fresh. */
export interface ActiveSession extends SmartSession {
  id: string;
}

/**
 * When to refresh a token that lives `expiresInSeconds`: a minute before it runs out, or a
 * quarter of its life for short-lived tokens, so a request never leaves with a dying token.
 */
export function refreshAt(nowMs: number, expiresInSeconds: number): number {
  const lifetime = expiresInSeconds * 1000;
  return nowMs + lifetime - Math.min(60_000, lifetime / 4);
}
