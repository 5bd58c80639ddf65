import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { SandboxFhirHooks } from '../../../src/sandbox';
import { createFhirServer, loadFhirFiles, type FhirServer, type RunningFhirServer } from '../../../src/server';

/**
 * What the refresh_token grant puts in its id_token: a complete one for the launch's user, one
 * without `aud` (as smart-launcher-v2 sends), a complete one for another user, or none.
 */
export type RefreshIdToken = 'valid' | 'without-aud' | 'other-user' | 'none';

export interface SmartAuthServerOptions {
  appBaseUrl: string;
  /** false: the SMART configuration names no `issuer` and no `jwks_uri` (the no-OIDC fallback). */
  oidc: boolean;
  clientId?: string;
}

export interface SmartAuthServer {
  /** The FHIR base: the `iss` of launches, serving `.well-known/smart-configuration`. */
  fhirBaseUrl: string;
  url: string;
  refreshIdToken: RefreshIdToken;
  /** How many refresh_token grants were answered. */
  refreshes: number;
  /** The app's EHR launch URL for a patient, as an EHR would open it. */
  launchUrl(patientId: string): string;
  close(): Promise<void>;
}

const USER = { sub: 'clinician-1', fhirUser: 'Practitioner/test-clinician' };
const OTHER_USER = { sub: 'clinician-2', fhirUser: 'Practitioner/other-clinician' };
const ACCESS_TOKEN_TTL_SECONDS = 300;

interface Grant {
  patient: string;
  scope: string;
}

/**
 * A small SMART authorization server for cases oidc-provider will not produce (refreshed
 * id_tokens lacking claims, a configuration without issuer/jwks_uri): /authorize answers at once
 * with a code (PKCE S256 required), /token does authorization_code and refresh_token (rotating
 * both tokens; the old access token stops working), /jwks serves its RS256 key. It protects the
 * embedded FHIR server seeded with examples/ through the sandbox's FHIR hooks.
 */
export async function startSmartAuthServer(options: SmartAuthServerOptions): Promise<SmartAuthServer> {
  const clientId = options.clientId ?? 'eligo';
  const redirectUri = `${options.appBaseUrl.replace(/\/+$/, '')}/smart/callback`;
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), alg: 'RS256', use: 'sig', kid: 'test-as-rs256' };

  const launches = new Map<string, string>();
  const codes = new Map<string, Grant & { challenge: string }>();
  const refreshTokens = new Map<string, Grant & { accessToken: string }>();
  const accessTokens = new Map<string, Grant>();

  const fhirRef: { fhir?: FhirServer } = {};
  const hooks = new SandboxFhirHooks({
    protect: true,
    patientOf: async (type, id) => {
      try {
        const resource = (await fhirRef.fhir?.repo.readResource(type, id)) as unknown as Record<string, { reference?: string } | undefined> | undefined;
        const ref = resource?.subject?.reference ?? resource?.patient?.reference;
        return ref?.replace(/^.*Patient\//, '');
      } catch {
        return undefined;
      }
    },
  });
  const fhir = createFhirServer({ middleware: [hooks.middleware] });
  fhirRef.fhir = fhir;
  await loadFhirFiles(fhir, [path.resolve(__dirname, '../../../examples')]);
  const runningFhir: RunningFhirServer = await fhir.listen(0);

  const app = express();
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const fhirBaseUrl = runningFhir.baseUrl;
  hooks.attach(
    {
      ...(options.oidc ? { issuer: url, jwks_uri: `${url}/jwks` } : {}),
      authorization_endpoint: `${url}/authorize`,
      token_endpoint: `${url}/token`,
      code_challenge_methods_supported: ['S256'],
      capabilities: ['launch-ehr', 'client-public', 'context-ehr-patient', 'permission-v2', 'permission-online', ...(options.oidc ? ['sso-openid-connect'] : [])],
    },
    async (token) => {
      const grant = accessTokens.get(token);
      return grant ? { patient: grant.patient, scopes: new Set(grant.scope.split(' ')) } : undefined;
    },
  );

  const state: SmartAuthServer = {
    fhirBaseUrl,
    url,
    refreshIdToken: 'valid',
    refreshes: 0,
    launchUrl: (patientId) => {
      const launch = randomBytes(16).toString('base64url');
      launches.set(launch, patientId);
      return `${options.appBaseUrl}/smart/launch?iss=${encodeURIComponent(fhirBaseUrl)}&launch=${launch}`;
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await runningFhir.close();
    },
  };

  const idToken = (user: { sub: string; fhirUser: string }, withAud: boolean): Promise<string> =>
    sign(privateKey, { fhirUser: user.fhirUser }, { iss: url, sub: user.sub, ...(withAud ? { aud: clientId } : {}) });

  async function tokenResponse(grant: Grant, id: string | undefined): Promise<Record<string, unknown>> {
    const accessToken = randomBytes(32).toString('base64url');
    const refreshToken = randomBytes(32).toString('base64url');
    accessTokens.set(accessToken, grant);
    refreshTokens.set(refreshToken, { ...grant, accessToken });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_TTL_SECONDS,
      scope: grant.scope,
      refresh_token: refreshToken,
      patient: grant.patient,
      need_patient_banner: false,
      ...(id === undefined ? {} : { id_token: id }),
    };
  }

  app.get('/authorize', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const patient = q.launch === undefined ? undefined : launches.get(q.launch);
    if (q.client_id !== clientId || q.redirect_uri !== redirectUri || q.response_type !== 'code' || q.code_challenge_method !== 'S256' || !q.code_challenge || q.aud !== fhirBaseUrl || !patient) {
      res.status(400).send('bad authorization request');
      return;
    }
    const code = randomBytes(16).toString('base64url');
    codes.set(code, { patient, scope: q.scope ?? '', challenge: q.code_challenge });
    const back = new URL(redirectUri);
    back.searchParams.set('code', code);
    if (q.state !== undefined) back.searchParams.set('state', q.state);
    res.redirect(302, back.toString());
  });

  app.post('/token', express.urlencoded({ extended: false }), async (req, res) => {
    const body = req.body as Record<string, string | undefined>;
    res.set('Cache-Control', 'no-store');
    if (body.client_id !== clientId) {
      res.status(401).json({ error: 'invalid_client' });
      return;
    }
    if (body.grant_type === 'authorization_code') {
      const grant = body.code === undefined ? undefined : codes.get(body.code);
      if (body.code !== undefined) codes.delete(body.code);
      const verified = grant && body.code_verifier && createHash('sha256').update(body.code_verifier).digest('base64url') === grant.challenge;
      if (!grant || !verified || body.redirect_uri !== redirectUri) {
        res.status(400).json({ error: 'invalid_grant' });
        return;
      }
      // An id_token is sent even when the configuration names no issuer: EHRs do, whenever openid is granted.
      res.json(await tokenResponse({ patient: grant.patient, scope: grant.scope }, grant.scope.split(' ').includes('openid') ? await idToken(USER, true) : undefined));
      return;
    }
    if (body.grant_type === 'refresh_token') {
      const grant = body.refresh_token === undefined ? undefined : refreshTokens.get(body.refresh_token);
      if (!grant || body.refresh_token === undefined) {
        res.status(400).json({ error: 'invalid_grant' });
        return;
      }
      refreshTokens.delete(body.refresh_token);
      accessTokens.delete(grant.accessToken);
      state.refreshes += 1;
      const mode = state.refreshIdToken;
      const id = mode === 'none' ? undefined : await idToken(mode === 'other-user' ? OTHER_USER : USER, mode !== 'without-aud');
      res.json(await tokenResponse({ patient: grant.patient, scope: grant.scope }, id));
      return;
    }
    res.status(400).json({ error: 'unsupported_grant_type' });
  });

  app.get('/jwks', (_req, res) => {
    res.json({ keys: [jwk] });
  });

  return state;
}

function sign(key: KeyLike, claims: JWTPayload, registered: { iss: string; sub: string; aud?: string }): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-as-rs256' }).setIssuer(registered.iss).setSubject(registered.sub).setIssuedAt().setExpirationTime('5m');
  return (registered.aud === undefined ? jwt : jwt.setAudience(registered.aud)).sign(key);
}
