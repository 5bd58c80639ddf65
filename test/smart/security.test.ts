import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { fhirPorts } from '../../src/app/fhir-ports';
import { createCohortService, type CohortService } from '../../src/cohort';
import { RecordingAuditLog, testAccess } from '../support/access';
import { buildEligo, catalog, callbackUrl, CookieClient, ehrLaunch, LogCapture, reserveServer, startEhr, type ReservedServer, type RunningEhr } from './harness';

const SESSION_COOKIE = 'eligo-session';

describe('SMART launch and session security', () => {
  let app: ReservedServer;
  let ehr: RunningEhr;
  let noPkceEhr: Server;
  let noPkceIss: string;
  const logs = new LogCapture();
  const audit = new RecordingAuditLog();
  const access = testAccess({ audit });
  let cohort: CohortService;
  let dataDir: string;

  beforeAll(async () => {
    app = await reserveServer();
    ehr = await startEhr(app.url);
    // A FHIR server whose SMART configuration offers only the `plain` PKCE method.
    const plainOnly = express();
    plainOnly.get('/fhir/.well-known/smart-configuration', (_req, res) => {
      res.json({ authorization_endpoint: `${noPkceIss}/auth`, token_endpoint: `${noPkceIss}/token`, code_challenge_methods_supported: ['plain'], capabilities: ['launch-ehr'] });
    });
    noPkceEhr = createServer(plainOnly);
    await new Promise<void>((resolve) => noPkceEhr.listen(0, '127.0.0.1', () => resolve()));
    noPkceIss = `http://127.0.0.1:${(noPkceEhr.address() as AddressInfo).port}/fhir`;
    dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-security-'));
    const ports = fhirPorts({ baseUrl: ehr.fhirBaseUrl });
    cohort = createCohortService({ catalog, dataDir, fhir: ports.fhir, patients: ports.source, concurrency: 1 });
    app.mount(
      buildEligo({
        appBaseUrl: app.url,
        iss: ehr.fhirBaseUrl,
        log: logs.logger,
        access,
        cohort,
        smart: { clients: [{ iss: ehr.fhirBaseUrl, clientId: 'eligo' }, { iss: noPkceIss, clientId: 'eligo' }] },
      }).app,
    );
  });

  afterAll(async () => {
    await cohort?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await app?.close();
    await ehr?.stop();
    await new Promise<void>((resolve) => (noPkceEhr ? noPkceEhr.close(() => resolve()) : resolve()));
  });

  async function launched(patientId: string): Promise<CookieClient> {
    const client = new CookieClient();
    const { response } = await ehrLaunch(client, ehr, patientId);
    expect(response.status).toBe(200);
    await response.text();
    return client;
  }

  describe('PKCE', () => {
    it('the EHR refuses an authorization request without a PKCE challenge', async () => {
      const client = new CookieClient();
      const auth = new URL(`${ehr.sandboxUrl}/auth`);
      auth.search = new URLSearchParams({
        client_id: 'eligo',
        response_type: 'code',
        redirect_uri: `${app.url}/smart/callback`,
        scope: 'launch/patient openid fhirUser patient/Patient.rs',
        state: 'no-pkce-state',
        aud: ehr.fhirBaseUrl,
      }).toString();
      const response = await client.request(auth.toString());
      const back = new URL(response.headers.get('location') ?? '', auth);
      expect(back.toString().startsWith(`${app.url}/smart/callback`)).toBe(true);
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('error_description')).toMatch(/PKCE/);
      expect(back.searchParams.get('code')).toBeNull();
    });

    it('the EHR refuses the plain PKCE method', async () => {
      const client = new CookieClient();
      const auth = new URL(`${ehr.sandboxUrl}/auth`);
      auth.search = new URLSearchParams({
        client_id: 'eligo',
        response_type: 'code',
        redirect_uri: `${app.url}/smart/callback`,
        scope: 'launch/patient openid',
        state: 's',
        aud: ehr.fhirBaseUrl,
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'plain',
      }).toString();
      const back = new URL((await client.request(auth.toString())).headers.get('location') ?? '', auth);
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('code')).toBeNull();
    });

    it('an authorization code cannot be exchanged without its PKCE verifier', async () => {
      const client = new CookieClient();
      const callback = await callbackUrl(client, ehr, app.url, 'sle-eligible');
      const code = callback.searchParams.get('code');
      expect(code).toBeTruthy();
      const token = await fetch(`${ehr.sandboxUrl}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: code as string, redirect_uri: `${app.url}/smart/callback`, client_id: 'eligo' }),
      });
      expect(token.status).toBe(400);
      expect(((await token.json()) as { error: string }).error).toBe('invalid_grant');
    });

    it('the app does not launch against an EHR that does not offer PKCE S256', async () => {
      const client = new CookieClient();
      const response = await client.request(`${app.url}/smart/launch?iss=${encodeURIComponent(noPkceIss)}&launch=abc`);
      expect(response.status).toBe(502);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('does not offer PKCE S256');
    });
  });

  describe('state', () => {
    it('a callback with a wrong state is refused and starts no session', async () => {
      const client = new CookieClient();
      const callback = await callbackUrl(client, ehr, app.url, 'sle-eligible');
      callback.searchParams.set('state', 'forged-state-value');
      const response = await client.request(callback.toString());
      expect(response.status).toBe(401);
      expect(await response.text()).toContain('unknown or has expired');
      expect(client.cookie('127.0.0.1', SESSION_COOKIE)).toBeUndefined();
    });

    it('a callback finished in another browser (without the launch cookie) is refused', async () => {
      const starter = new CookieClient();
      const callback = await callbackUrl(starter, ehr, app.url, 'sle-eligible');
      const response = await new CookieClient().request(callback.toString());
      expect(response.status).toBe(401);
      expect(await response.text()).toContain('another browser');
    });

    it('a state is used once: replaying the callback is refused', async () => {
      const client = new CookieClient();
      const callback = await callbackUrl(client, ehr, app.url, 'sle-eligible');
      const binding = client.cookie('127.0.0.1', 'eligo-launch') as string;
      const first = await client.request(callback.toString());
      expect(first.status).toBe(303);
      client.setCookie('127.0.0.1', 'eligo-launch', binding);
      const replay = await client.request(callback.toString());
      expect(replay.status).toBe(401);
    });

    it('a launch from an EHR that is not registered is refused before any redirect', async () => {
      const response = await new CookieClient().request(`${app.url}/smart/launch?iss=${encodeURIComponent('http://127.0.0.1:9/fhir')}&launch=x`);
      expect(response.status).toBe(403);
      expect(response.headers.get('location')).toBeNull();
    });
  });

  describe('a session reaches only its launched patient', () => {
    let patientA: CookieClient;
    let patientB: CookieClient;

    beforeAll(async () => {
      patientA = await launched('ssc-potential');
      patientB = await launched('sle-eligible');
    });

    it('a session for patient A reads its own stored report but not patient B\'s', async () => {
      const own = await patientA.request(`${app.url}/api/trials/ssc-cart/reports/ssc-potential`);
      expect(own.status).toBe(200);
      expect(((await own.json()) as { patient: string }).patient).toBe('Patient/ssc-potential');
      const other = await patientA.request(`${app.url}/api/trials/sle-cart/reports/sle-eligible`);
      expect(other.status).toBe(403);
      const outcome = (await other.json()) as { resourceType: string; issue: { code: string }[] };
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(outcome.issue[0]?.code).toBe('forbidden');
      const theirs = await patientB.request(`${app.url}/api/trials/sle-cart/reports/sle-eligible`);
      expect(theirs.status).toBe(200);
    });

    it('a session for patient A cannot screen patient B nor a posted Bundle through the API', async () => {
      const post = (body: unknown): Promise<Response> =>
        patientA.request(`${app.url}/api/trials/sle-cart/screen`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await post({ patientId: 'sle-eligible' })).status).toBe(403);
      expect((await post({ bundle: { resourceType: 'Bundle', type: 'collection', entry: [] } })).status).toBe(403);
    });

    it('a session for patient A cannot reach patient B through case-variant, encoded, double-slash or trailing-slash paths', async () => {
      const reads = ['/api/trials/sle-cart/REPORTS/sle-eligible', '/API/trials/sle-cart/reports/sle-eligible', '/api/trials/sle-cart/reports/sle-eligible/', '/api//trials/sle-cart/reports/sle-eligible', '/api/trials/sle-cart/%72eports/sle-eligible'];
      for (const path of reads) {
        const response = await patientA.request(`${app.url}${path}`);
        expect([403, 404]).toContain(response.status);
      }
      for (const path of ['/api/trials/sle-cart/Screen', '/api/trials/sle-cart/screen/', '/api//trials/sle-cart/screen']) {
        const response = await patientA.request(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ patientId: 'sle-eligible', writeBack: true }) });
        expect([403, 404]).toContain(response.status);
      }
      for (const path of ['/api/COHORT-RUNS', '/api/Cohort-Runs/']) {
        expect([403, 404]).toContain((await patientA.request(`${app.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ trial: 'sle-cart' }) })).status);
      }
    });

    it('a posted Bundle naming a server patient is screened without touching that patient\'s stored report', async () => {
      const before = await (await patientA.request(`${app.url}/api/trials/ssc-cart/reports/ssc-potential`)).json();
      const forged = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', id: 'ssc-potential', deceasedBoolean: true } }] };
      const posted = await fetch(`${app.url}/api/trials/ssc-cart/screen`, { method: 'POST', headers: { ...access.as('service'), 'content-type': 'application/json' }, body: JSON.stringify({ bundle: forged, asOf: '2026-06-15' }) });
      expect(posted.status).toBe(200);
      expect(((await posted.json()) as { outcome: string }).outcome).toBe('ineligible');
      const after = await (await patientA.request(`${app.url}/api/trials/ssc-cart/reports/ssc-potential`)).json();
      expect(after).toEqual(before);
    });

    it('a session for patient A is refused on every API route naming patient B, or reaching beyond one patient', async () => {
      const json = { 'content-type': 'application/json' };
      const attempts: [string, string, unknown?][] = [
        ['POST', '/api/trials/sle-cart/screen', { patientId: 'sle-eligible' }],
        ['POST', '/api/trials/sle-cart/screen', { patientId: 'sle-eligible', writeBack: true }],
        ['POST', '/api/trials/ssc-cart/screen', { patientId: 'ssc-potential', writeBack: true }],
        ['POST', '/api/trials/sle-cart/screen', { bundle: { resourceType: 'Bundle', type: 'collection', entry: [] } }],
        ['GET', '/api/trials/sle-cart/reports/sle-eligible'],
        ['HEAD', '/api/trials/sle-cart/reports/sle-eligible'],
        ['GET', '/api/trials/ssc-cart/reports/SSC-POTENTIAL'],
        ['POST', '/api/cohort-runs', { trial: 'sle-cart', select: { by: 'ids', ids: ['sle-eligible'] } }],
        ['GET', '/api/cohort-runs'],
        ['DELETE', '/api/cohort-runs/any'],
        ['GET', '/api/cohort-runs/any/summary.json'],
      ];
      for (const [method, url, body] of attempts) {
        const response = await patientA.request(`${app.url}${url}`, { method, ...(body === undefined ? {} : { headers: json, body: JSON.stringify(body) }) });
        expect({ method, url, body, status: response.status }).toEqual({ method, url, body, status: 403 });
      }
    });

    it('audits what a session did and was refused, naming its user and patient', async () => {
      await (await patientA.request(`${app.url}/app/api/report?trial=ssc-cart&asOf=2026-06-15`)).text();
      await (await patientA.request(`${app.url}/api/trials/sle-cart/reports/sle-eligible`)).text();
      const mine = audit.records.filter((r) => r.agent.kind === 'smart-session');
      expect(mine).toContainEqual(expect.objectContaining({ route: '/app/api/report', action: 'patient.screen', patient: 'Patient/ssc-potential', trial: 'ssc-cart', status: 200, agent: expect.objectContaining({ who: expect.stringMatching(/^Practitioner\//) }) }));
      expect(mine).toContainEqual(expect.objectContaining({ route: '/api/trials/:trialId/reports/:patientId', action: 'report.read', patient: 'Patient/sle-eligible', status: 403, outcome: 'denied' }));
      expect(JSON.stringify(audit.records)).not.toMatch(/eyJ|access_token|refresh/);
    });

    it('a session for one patient cannot start, list or read cohort runs over the population', async () => {
      const started = await patientA.request(`${app.url}/api/cohort-runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ trial: 'sle-cart' }) });
      expect(started.status).toBe(403);
      expect((await patientA.request(`${app.url}/api/cohort-runs`)).status).toBe(403);
      expect((await patientA.request(`${app.url}/api/cohort-runs/any/summary.csv`)).status).toBe(403);
    });

    it('the JSON report of the page is always the launched patient\'s', async () => {
      const response = await patientA.request(`${app.url}/app/api/report?trial=ssc-cart&asOf=2026-06-15&leukapheresis=2026-07-01`);
      expect(response.status).toBe(200);
      const report = (await response.json()) as { patient: string; outcome: string };
      expect(report.patient).toBe('Patient/ssc-potential');
      expect(report.outcome).toBe('potential-candidate');
    });

    it('a forged session cookie is refused, on the page and on the API', async () => {
      const forger = new CookieClient();
      forger.setCookie('127.0.0.1', SESSION_COOKIE, 'A'.repeat(43));
      expect((await forger.request(`${app.url}/app/`)).status).toBe(401);
      expect((await forger.request(`${app.url}/app/api/session`)).status).toBe(401);
      expect((await forger.request(`${app.url}/api/trials/ssc-cart/reports/ssc-potential`)).status).toBe(401);
    });

    it('the write-back form is refused without the CSRF token or from another site', async () => {
      const form = (fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> =>
        patientA.request(`${app.url}/app/write-back`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
          body: new URLSearchParams(fields).toString(),
        });
      const page = await (await patientA.request(`${app.url}/app/`)).text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
      expect(csrf).toBeTruthy();
      expect((await form({ csrf: 'wrong', trial: 'ssc-cart', asOf: '2026-06-15' })).status).toBe(403);
      expect((await form({ csrf, trial: 'ssc-cart', asOf: '2026-06-15' }, { origin: 'https://evil.example' })).status).toBe(403);
      // Write-back is not enabled for this app: even a good form does not write.
      const allowed = await form({ csrf, trial: 'ssc-cart', asOf: '2026-06-15' }, { origin: app.url });
      expect(allowed.status).toBe(403);
      expect(await allowed.text()).toContain('not enabled');
    });

    it('the page runs no script and may be framed only by the app and configured EHRs', async () => {
      const response = await patientA.request(`${app.url}/app/`);
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('script-src');
      expect(csp).toContain("frame-ancestors 'self'");
      expect(await response.text()).not.toMatch(/<script/i);
    });

    it('a new launch in the same browser ends the earlier session', async () => {
      const client = await launched('ssc-eligible');
      const first = client.cookie('127.0.0.1', SESSION_COOKIE) as string;
      const { response } = await ehrLaunch(client, ehr, 'sle-potential');
      await response.text();
      const session = (await (await client.request(`${app.url}/app/api/session`)).json()) as { patient: string };
      expect(session.patient).toBe('Patient/sle-potential');
      client.setCookie('127.0.0.1', SESSION_COOKIE, first);
      expect((await client.request(`${app.url}/app/api/session`)).status).toBe(401);
    });

    it('signing out ends the session', async () => {
      const client = await launched('ssc-eligible');
      const page = await (await client.request(`${app.url}/app/`)).text();
      const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
      const out = await client.request(`${app.url}/smart/logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: app.url },
        body: new URLSearchParams({ csrf }).toString(),
      });
      expect(out.status).toBe(200);
      expect((await client.request(`${app.url}/app/api/session`)).status).toBe(401);
    });
  });

  it('never logs tokens, codes, session ids or patient names', () => {
    const text = logs.text;
    expect(text).toContain('smart.session.created');
    expect(text).not.toMatch(/Bearer|access_token|refresh_token|id_token|code_verifier/);
    expect(text).not.toMatch(/Example|ssc potential|sle eligible|1976-03-03/i);
  });
});
