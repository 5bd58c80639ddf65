import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import express from 'express';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { createCdsHooksRouter, parseCdsConfig } from '../../src/cdshooks';
import { loadCatalog } from '../../src/mapping/compile';
import { createFhirServer, loadFhirFiles, type RunningFhirServer } from '../../src/server';
import { LogCapture } from '../smart/harness';

const EXAMPLES = path.resolve(__dirname, '../../examples');
const EHR_ISS = 'https://ehr.example.org';

function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }));
  });
}

/** The example patient as an EHR would prefetch it: the Patient, and one searchset Bundle per template. */
function prefetchFor(example: string): Record<string, unknown> {
  const bundle = JSON.parse(readFileSync(path.join(EXAMPLES, `${example}.json`), 'utf8')) as Bundle;
  const resources = (bundle.entry ?? []).map((e) => e.resource as Resource);
  const typeOf: Record<string, string> = {
    conditions: 'Condition',
    observations: 'Observation',
    medicationStatements: 'MedicationStatement',
    medicationRequests: 'MedicationRequest',
    medicationAdministrations: 'MedicationAdministration',
    immunizations: 'Immunization',
    procedures: 'Procedure',
    diagnosticReports: 'DiagnosticReport',
    allergies: 'AllergyIntolerance',
    researchSubjects: 'ResearchSubject',
    encounters: 'Encounter',
    familyHistory: 'FamilyMemberHistory',
    serviceRequests: 'ServiceRequest',
  };
  const prefetch: Record<string, unknown> = { patient: resources.find((r) => r.resourceType === 'Patient') };
  for (const [key, type] of Object.entries(typeOf)) {
    prefetch[key] = { resourceType: 'Bundle', type: 'searchset', entry: resources.filter((r) => r.resourceType === type).map((resource) => ({ resource })) };
  }
  return prefetch;
}

describe('CDS Hooks patient-view service over HTTP', () => {
  const logs = new LogCapture();
  let keys: { privateKey: KeyLike; jwk: JWK };
  let jwks: { url: string; server: Server };
  let service: { url: string; server: Server };
  let fhir: RunningFhirServer;
  let serviceUrl: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS384');
    keys = { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid: 'ehr-1', alg: 'RS384', use: 'sig' } };
    const jwksApp = express();
    jwksApp.get('/jwks', (_req, res) => {
      res.json({ keys: [keys.jwk] });
    });
    jwks = await listen(jwksApp);

    const embedded = createFhirServer();
    await loadFhirFiles(embedded, [EXAMPLES]);
    fhir = await embedded.listen();

    const app = express();
    service = await listen(app);
    serviceUrl = `${service.url}/cds-services/eligo-patient-view`;
    const config = parseCdsConfig({
      serviceBaseUrl: service.url,
      issuers: [{ iss: EHR_ISS, jwksUrl: `${jwks.url}/jwks`, fhirServers: [fhir.baseUrl] }],
    });
    app.use('/cds-services', createCdsHooksRouter({ config, catalog: loadCatalog(), log: logs.logger, now: () => new Date('2026-06-15T09:00:00Z') }));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => (service ? service.server.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (jwks ? jwks.server.close(() => resolve()) : resolve()));
    await fhir?.close();
  });

  function jwt(overrides: { aud?: string; iss?: string; exp?: string; jti?: string } = {}, header: Record<string, unknown> = {}): Promise<string> {
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS384', kid: 'ehr-1', typ: 'JWT', ...header })
      .setIssuer(overrides.iss ?? EHR_ISS)
      .setAudience(overrides.aud ?? serviceUrl)
      .setIssuedAt()
      .setExpirationTime(overrides.exp ?? '5m')
      .setJti(overrides.jti ?? randomUUID())
      .sign(keys.privateKey);
  }

  async function call(body: unknown, token: string | undefined): Promise<Response> {
    return fetch(serviceUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  }

  const hook = (patientId: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    hook: 'patient-view',
    hookInstance: randomUUID(),
    context: { userId: 'Practitioner/1', patientId },
    ...extra,
  });

  it('is discoverable with its patient-view prefetch templates', async () => {
    const response = await fetch(`${service.url}/cds-services`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { services: { hook: string; id: string; description: string; prefetch: Record<string, string> }[] };
    expect(body.services).toHaveLength(1);
    expect(body.services[0]).toMatchObject({ hook: 'patient-view', id: 'eligo-patient-view' });
    expect(body.services[0]?.description).toBeTruthy();
    expect(body.services[0]?.prefetch.patient).toBe('Patient/{{context.patientId}}');
    expect(body.services[0]?.prefetch.observations).toBe('Observation?patient={{context.patientId}}');
  });

  it('answers with spec-valid cards naming the trials the patient may fit, from prefetch with OperationOutcome entries', async () => {
    const prefetch = prefetchFor('ssc-potential-candidate');
    (prefetch.procedures as Bundle).entry = [{ resource: { resourceType: 'OperationOutcome', issue: [{ severity: 'warning', code: 'processing', diagnostics: 'partial' }] } }];
    const response = await call(hook('ssc-potential', { prefetch }), await jwt());
    expect(response.status).toBe(200);
    const { cards } = (await response.json()) as { cards: Record<string, unknown>[] };
    expect(cards).toHaveLength(1);
    for (const card of cards) {
      // CDS Hooks 2.0 required card fields.
      expect(typeof card.summary).toBe('string');
      expect((card.summary as string).length).toBeLessThan(140);
      expect(['info', 'warning', 'critical']).toContain(card.indicator);
      expect(typeof (card.source as { label?: unknown }).label).toBe('string');
      expect(card.uuid).toMatch(/^[0-9a-f-]{36}$/);
      const links = card.links as { type: string; url: string; label: string }[];
      expect(links[0]).toMatchObject({ type: 'smart', url: `${service.url}/smart/launch` });
    }
    expect(cards[0]?.summary).toMatch(/^Trial potential candidate: CAR-T cell therapy in refractory or progressive diffuse cutaneous systemic sclerosis/);
    expect(cards[0]?.detail).toContain('Data missing or stale');
  });

  it('gives no card for a patient no trial fits', async () => {
    const response = await call(hook('sle-ineligible', { prefetch: prefetchFor('sle-ineligible') }), await jwt());
    expect(response.status).toBe(200);
    const { cards } = (await response.json()) as { cards: { summary: string }[] };
    expect(cards).toEqual([]);
  });

  it('reads the FHIR server with fhirAuthorization when prefetch is missing', async () => {
    const body = hook('ssc-eligible', {
      fhirServer: fhir.baseUrl,
      fhirAuthorization: { access_token: 'opaque-token', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.rs', subject: 'eligo' },
    });
    const response = await call(body, await jwt());
    expect(response.status).toBe(200);
    const { cards } = (await response.json()) as { cards: { summary: string }[] };
    expect(cards.some((c) => c.summary.startsWith('Trial eligible:'))).toBe(true);
  });

  it('answers 412 when the prefetch is incomplete and there is no FHIR server it may read', async () => {
    const prefetch = prefetchFor('ssc-eligible');
    prefetch.observations = null;
    expect((await call(hook('ssc-eligible', { prefetch }), await jwt())).status).toBe(412);
    const elsewhere = hook('ssc-eligible', { prefetch, fhirServer: 'http://127.0.0.1:9/fhir', fhirAuthorization: { access_token: 't', token_type: 'Bearer' } });
    expect((await call(elsewhere, await jwt())).status).toBe(412);
  });

  describe('refuses calls whose JWT cannot be trusted', () => {
    const body = (): Record<string, unknown> => hook('ssc-eligible', { prefetch: prefetchFor('ssc-eligible') });

    it('no JWT', async () => {
      expect((await call(body(), undefined)).status).toBe(401);
    });

    it('an unsigned JWT (alg none)', async () => {
      const encode = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const unsigned = `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ iss: EHR_ISS, aud: serviceUrl, iat: now, exp: now + 300, jti: randomUUID() })}.`;
      expect((await call(body(), unsigned)).status).toBe(401);
    });

    it('an HMAC-signed JWT', async () => {
      const hs = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(EHR_ISS)
        .setAudience(serviceUrl)
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti(randomUUID())
        .sign(Buffer.from(JSON.stringify(keys.jwk)));
      expect((await call(body(), hs)).status).toBe(401);
    });

    it('a JWT signed by another key (forged)', async () => {
      const other = await generateKeyPair('RS384');
      const forged = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS384', kid: 'ehr-1' })
        .setIssuer(EHR_ISS)
        .setAudience(serviceUrl)
        .setIssuedAt()
        .setExpirationTime('5m')
        .setJti(randomUUID())
        .sign(other.privateKey);
      expect((await call(body(), forged)).status).toBe(401);
    });

    it('a JWT for another audience, from an untrusted issuer, expired, or with a jku off the allow list', async () => {
      expect((await call(body(), await jwt({ aud: `${service.url}/cds-services` }))).status).toBe(401);
      expect((await call(body(), await jwt({ iss: 'https://other.example.org' }))).status).toBe(401);
      expect((await call(body(), await jwt({ exp: '-1m' }))).status).toBe(401);
      expect((await call(body(), await jwt({}, { jku: `${jwks.url}/other-jwks` }))).status).toBe(401);
    });

    it('a replayed JWT (same jti)', async () => {
      const token = await jwt({ jti: 'once-only' });
      expect((await call(body(), token)).status).toBe(200);
      const replay = await call(body(), token);
      expect(replay.status).toBe(401);
      const outcome = (await replay.json()) as { resourceType: string };
      expect(outcome.resourceType).toBe('OperationOutcome');
    });
  });

  it('logs no patient names and no tokens', () => {
    expect(logs.text).toContain('cds.patient_view');
    expect(logs.text).not.toMatch(/Example|opaque-token|Bearer/);
  });
});
