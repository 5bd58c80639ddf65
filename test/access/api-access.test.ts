import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fhirPorts } from '../../src/app/fhir-ports';
import { AuditLogs, FileAuditLog } from '../../src/audit/file-audit-log';
import { FhirAuditLog } from '../../src/audit/fhir-audit-log';
import { createCohortService, type CohortService } from '../../src/cohort';
import { createApp } from '../../src/http/create-app';
import { openApiDocument } from '../../src/http/openapi';
import { createLogger } from '../../src/log';
import { loadCatalog } from '../../src/mapping/compile';
import { MemoryReportStore } from '../../src/report/store';
import { loadFhirFiles } from '../../src/server';
import { EXAMPLES, startFhir, type TestFhir } from '../cohort/population';
import { testAccess, type TestAccess } from '../support/access';
import { callJson, type Json } from '../support/http';
import { startTestIssuer, type TestIssuer } from './support';


// The frozen clock every token is judged by.
const NOW = new Date('2026-06-15T12:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);
const AUDIENCE = 'https://eligo.test';

let fhir: TestFhir;
let issuer: TestIssuer;
let access: TestAccess;
let audit: AuditLogs;
let cohort: CohortService;
let server: Server;
let base: string;
let dataDir: string;

beforeAll(async () => {
  fhir = await startFhir();
  await loadFhirFiles(fhir.server, [EXAMPLES]);
  issuer = await startTestIssuer();
  dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-access-'));
  const ports = fhirPorts({ baseUrl: fhir.base });
  audit = new AuditLogs([new FileAuditLog(path.join(dataDir, 'audit')), new FhirAuditLog(ports.fhir.http, 'eligo under test')]);
  access = testAccess({
    holders: {
      reader: ['system/*.rs'],
      narrow: ['system/Patient.rs'],
      coordinator: ['system/*.rs', 'eligo/population'],
      writer: ['system/*.rs', 'eligo/write-back'],
    },
    issuers: [{ issuer: issuer.issuer, audience: AUDIENCE, jwksUri: issuer.jwksUri }],
    audit,
    now: () => NOW,
  });
  const catalog = loadCatalog();
  cohort = createCohortService({ catalog, dataDir: path.join(dataDir, 'runs'), fhir: ports.fhir, patients: ports.source, concurrency: 1 });
  const app = createApp({
    catalog,
    reports: new MemoryReportStore(),
    source: ports.source,
    writer: ports.writer,
    now: () => NOW,
    log: createLogger({ level: 'silent' }),
    access: access.deps,
    cohort,
  });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  await cohort?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await issuer?.close();
  await fhir?.running.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function call(method: string, url: string, headers: Record<string, string> = {}, body?: unknown): ReturnType<typeof callJson> {
  return callJson(method, `${base}${url}`, headers, body);
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
const screenB = { patientId: 'sle-eligible', asOf: '2026-06-15' };

/** Every route of the API, with a body where it takes one: the refusals below must hold on each. */
const ROUTES: [string, string, unknown?][] = [
  ['GET', '/api/trials'],
  ['GET', '/api/trials/sle-cart'],
  ['POST', '/api/trials/sle-cart/screen', screenB],
  ['POST', '/api/screen', screenB],
  ['GET', '/api/trials/sle-cart/reports/sle-eligible'],
  ['POST', '/api/cohort-runs', { trial: 'sle-cart' }],
  ['GET', '/api/cohort-runs'],
  ['GET', '/api/cohort-runs/any-run'],
  ['DELETE', '/api/cohort-runs/any-run'],
  ['GET', '/api/cohort-runs/any-run/summary'],
  ['GET', '/api/cohort-runs/any-run/summary.json'],
  ['GET', '/api/cohort-runs/any-run/summary.csv'],
  ['GET', '/api/cohort-runs/any-run/summary.html'],
  ['GET', '/api/no-such-route'],
];

describe('who may call the API', () => {
  it('checks every route the OpenAPI document lists, and the document declares the credentials', () => {
    const document = openApiDocument() as Json;
    const documented = Object.entries<Record<string, unknown>>(document.paths).flatMap(([route, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${route.replace('{trialId}', 'sle-cart').replace('{patientId}', 'sle-eligible').replace('{runId}', 'any-run')}`),
    );
    expect(documented.sort()).toEqual(ROUTES.map(([method, url]) => `${method} ${url}`).filter((r) => !r.includes('no-such-route')).sort());
    expect(Object.keys(document.components.securitySchemes)).toEqual(['bearer', 'smartSession']);
  });

  it('refuses every route, and unknown ones, without credentials: 401 with a Bearer challenge and an OperationOutcome', async () => {
    for (const [method, url, body] of ROUTES) {
      const response = await call(method, url, {}, body);
      expect({ route: `${method} ${url}`, status: response.status }).toEqual({ route: `${method} ${url}`, status: 401 });
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="eligo"');
      expect(response.json.issue[0].code).toBe('login');
    }
  });

  it('refuses HEAD and OPTIONS without credentials too, and honours no method-override header or parameter', async () => {
    expect((await fetch(`${base}/api/trials/sle-cart/reports/sle-eligible`, { method: 'HEAD' })).status).toBe(401);
    expect((await fetch(`${base}/api/trials/sle-cart/screen`, { method: 'OPTIONS' })).status).toBe(401);
    // A reader may read, not cancel: an override header or ?_method does not turn a GET or POST into a DELETE.
    const reader = access.as('reader');
    for (const [method, headers, url] of [
      ['POST', { 'x-http-method-override': 'DELETE' }, '/api/cohort-runs/any-run'],
      ['GET', { 'x-http-method': 'DELETE' }, '/api/cohort-runs/any-run?_method=DELETE'],
    ] as const) {
      const response = await call(method, url, { ...reader, ...headers });
      expect([403, 404]).toContain(response.status);
      expect(response.json.issue[0].diagnostics).not.toMatch(/cancel/i);
    }
  });

  it('a read-scoped key screens and reads reports, but may not write back nor touch cohort runs', async () => {
    const reader = access.as('reader');
    const screened = await call('POST', '/api/trials/sle-cart/screen', reader, screenB);
    expect(screened.status).toBe(200);
    expect(screened.json.patient).toBe('Patient/sle-eligible');
    expect((await call('GET', '/api/trials/sle-cart/reports/sle-eligible', reader)).status).toBe(200);
    const writing = await call('POST', '/api/trials/sle-cart/screen', reader, { ...screenB, writeBack: true });
    expect(writing.status).toBe(403);
    expect(writing.json.issue[0].diagnostics).toMatch(/eligo\/write-back/);
    for (const [method, url, body] of ROUTES.filter(([, u]) => u.startsWith('/api/cohort-runs'))) {
      expect({ route: `${method} ${url}`, status: (await call(method, url, reader, body)).status }).toEqual({ route: `${method} ${url}`, status: 403 });
    }
  });

  it('a key that reads only Patient may not screen: screening reads every screened type', async () => {
    const narrow = access.as('narrow');
    expect((await call('POST', '/api/trials/sle-cart/screen', narrow, screenB)).status).toBe(403);
    expect((await call('GET', '/api/trials/sle-cart/reports/sle-eligible', narrow)).status).toBe(403);
    expect((await call('GET', '/api/trials', narrow)).status).toBe(200);
  });

  it('population runs need the population scope, and one that writes back needs the write-back scope too', async () => {
    const coordinator = access.as('coordinator');
    expect((await call('GET', '/api/cohort-runs', coordinator)).status).toBe(200);
    const writing = await call('POST', '/api/cohort-runs', coordinator, { trial: 'sle-cart', writeBack: true });
    expect(writing.status).toBe(403);
    expect(writing.json.issue[0].diagnostics).toMatch(/eligo\/write-back/);
    expect((await call('POST', '/api/cohort-runs', access.as('writer'), { trial: 'sle-cart' })).status).toBe(403);
  });

  it('write-back with the write-back scope writes the report to the FHIR server', async () => {
    const written = await call('POST', '/api/trials/sle-cart/screen', access.as('writer'), { ...screenB, writeBack: true });
    expect(written.status).toBe(200);
    expect(written.json.written).toBeDefined();
  });

  it('case-variant, encoded, double-slash and trailing-slash spellings reach no route', async () => {
    const narrow = access.as('narrow');
    for (const url of ['/api/trials/sle-cart/REPORTS/sle-eligible', '/API/trials/sle-cart/reports/sle-eligible', '/api/trials/sle-cart/reports/sle-eligible/', '/api//trials/sle-cart/reports/sle-eligible', '/api/trials/sle-cart/%72eports/sle-eligible', '/api/Cohort-Runs']) {
      expect([401, 403, 404]).toContain((await call('GET', url, narrow)).status);
    }
  });

  it('refuses a wrong, unknown or malformed credential instead of falling back to none', async () => {
    for (const authorization of ['Bearer eligo_unknown-key', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer not-a-jwt', `Bearer ${access.keys.reader}x`]) {
      const response = await call('GET', '/api/trials', { authorization });
      expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
    }
  });
});

describe('POST /api/screen: one patient, several trials', () => {
  const trialIds = (): string[] => [...loadCatalog().trials.keys()];

  it('screens every trial by default, each report the same as the one-trial route gives', async () => {
    const reader = access.as('reader');
    const both = await call('POST', '/api/screen', reader, screenB);
    expect(both.status).toBe(200);
    expect(both.json.reports.map((r: Json) => r.trial)).toEqual(trialIds());
    for (const report of both.json.reports as Json[]) {
      const single = await call('POST', `/api/trials/${report.trial as string}/screen`, reader, screenB);
      expect(report).toEqual(single.json);
    }
  });

  it('screens the trials asked for, in the order asked, from a posted Bundle too', async () => {
    const bundle = JSON.parse(readFileSync(path.join(EXAMPLES, 'ssc-eligible.json'), 'utf8')) as Json;
    const response = await call('POST', '/api/screen', access.as('narrow'), { bundle, trials: ['ssc-cart', 'sle-cart'], asOf: '2026-06-15' });
    expect(response.status).toBe(200);
    expect(response.json.reports.map((r: Json) => [r.trial, r.patient])).toEqual([
      ['ssc-cart', 'Patient/ssc-eligible'],
      ['sle-cart', 'Patient/ssc-eligible'],
    ]);
    expect(response.json.reports[0].outcome).toBe('eligible');
    await audit.flush();
    const lines = readFileSync(path.join(dataDir, 'audit', '2026-06-15.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json);
    expect(lines).toContainEqual(expect.objectContaining({ route: '/api/screen', action: 'bundle.screen', trial: 'ssc-cart,sle-cart', status: 200 }));
  });

  it('refuses an unknown trial (404), a body with neither patient nor bundle (400), and reading without read scopes (403)', async () => {
    const reader = access.as('reader');
    const unknown = await call('POST', '/api/screen', reader, { ...screenB, trials: ['sle-cart', 'no-such-trial'] });
    expect(unknown.status).toBe(404);
    expect(unknown.json.issue[0].diagnostics).toMatch(/unknown trial "no-such-trial"/);
    expect((await call('POST', '/api/screen', reader, { asOf: '2026-06-15' })).status).toBe(400);
    expect((await call('POST', '/api/screen', reader, { ...screenB, trials: [] })).status).toBe(400);
    expect((await call('POST', '/api/screen', access.as('narrow'), screenB)).status).toBe(403);
  });

  it('write-back needs the write-back scope, and then writes each trial', async () => {
    const refused = await call('POST', '/api/screen', access.as('reader'), { ...screenB, writeBack: true });
    expect(refused.status).toBe(403);
    expect(refused.json.issue[0].diagnostics).toMatch(/eligo\/write-back/);
    const written = await call('POST', '/api/screen', access.as('writer'), { ...screenB, writeBack: true });
    expect(written.status).toBe(200);
    expect(written.json.reports).toHaveLength(trialIds().length);
    for (const report of written.json.reports as Json[]) expect(report.written).toBeDefined();
  });
});

describe('access tokens of a trusted issuer', () => {
  const good = (claims: Record<string, unknown> = {}): Promise<string> =>
    issuer.sign({ iss: issuer.issuer, aud: AUDIENCE, sub: 'screening-job', client_id: 'nightly', scope: 'system/*.rs eligo/population', exp: NOW_S + 300, iat: NOW_S, ...claims });

  it('accepts a signed token for this audience, with its scopes', async () => {
    const token = await good();
    expect((await call('POST', '/api/trials/sle-cart/screen', bearer(token), screenB)).status).toBe(200);
    expect((await call('GET', '/api/cohort-runs', bearer(token))).status).toBe(200);
    expect((await call('POST', '/api/trials/sle-cart/screen', bearer(token), { ...screenB, writeBack: true })).status).toBe(403);
  });

  it('refuses a token that has expired, is for another audience, from another issuer, or signed by another key', async () => {
    const cases: [string, string, RegExp][] = [
      ['expired', await good({ exp: NOW_S - 120 }), /expired/],
      ['wrong audience', await good({ aud: 'https://other.example' }), /claim "aud"/],
      ['unknown issuer', await good({ iss: 'https://evil.example' }), /issuer/],
      ['no expiry', await issuer.sign({ iss: issuer.issuer, aud: AUDIENCE, sub: 's', scope: 'system/*.rs' }), /exp/],
      ['foreign key', await issuer.sign({ iss: issuer.issuer, aud: AUDIENCE, sub: 's', scope: 'system/*.rs', exp: NOW_S + 300 }, { key: issuer.strangerKey }), /signature/],
      ['unsigned', `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: issuer.issuer, aud: AUDIENCE, sub: 's', exp: NOW_S + 300 })).toString('base64url')}.`, /./],
    ];
    for (const [what, token, reason] of cases) {
      const response = await call('GET', '/api/trials', bearer(token));
      expect({ what, status: response.status }).toEqual({ what, status: 401 });
      expect(response.json.issue[0].diagnostics).toMatch(reason);
    }
  });

  it('a token without the population scope may screen but not run cohorts', async () => {
    const token = await good({ scope: 'system/*.rs' });
    expect((await call('GET', '/api/trials/sle-cart/reports/sle-eligible', bearer(token))).status).toBe(200);
    expect((await call('GET', '/api/cohort-runs', bearer(token))).status).toBe(403);
    const v1 = await good({ scope: undefined, scp: ['system/*.read'] });
    expect((await call('GET', '/api/trials/sle-cart/reports/sle-eligible', bearer(v1))).status).toBe(200);
  });
});

describe('the audit trail', () => {
  it('records who screened, read and wrote back which patient, and every refusal with its reason, never a credential', async () => {
    await call('POST', '/api/trials/sle-cart/screen', access.as('reader'), screenB);
    await call('GET', '/api/trials/sle-cart/reports/sle-eligible', access.as('narrow'));
    await audit.flush();
    const text = readFileSync(path.join(dataDir, 'audit', '2026-06-15.jsonl'), 'utf8');
    const lines = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Json);
    expect(lines).toContainEqual(
      expect.objectContaining({ agent: { kind: 'api-key', who: 'reader' }, action: 'patient.screen', method: 'POST', route: '/api/trials/:trialId/screen', trial: 'sle-cart', patient: 'Patient/sle-eligible', status: 200, outcome: 'success' }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ agent: { kind: 'api-key', who: 'narrow' }, action: 'report.read', patient: 'Patient/sle-eligible', status: 403, outcome: 'denied', reason: expect.stringMatching(/read scopes/) }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ agent: { kind: 'api-key', who: 'writer' }, action: 'patient.write-back', status: 200 }));
    expect(lines).toContainEqual(expect.objectContaining({ agent: expect.objectContaining({ kind: 'bearer', who: 'screening-job', clientId: 'nightly' }), status: 200 }));
    expect(lines).toContainEqual(expect.objectContaining({ agent: { kind: 'anonymous', who: 'anonymous' }, status: 401, outcome: 'denied' }));
    for (const key of Object.values(access.keys)) expect(text).not.toContain(key);
    expect(text).not.toMatch(/eyJ/);
    expect(text).not.toMatch(/Example|birthDate|1991-04-02/);
  });

  it('writes the same records as AuditEvents (IHE BALP shape) to the FHIR server', async () => {
    await audit.flush();
    const bundle = (await (await fetch(`${fhir.base}/AuditEvent?_count=1000`)).json()) as Json;
    const events = (bundle.entry ?? []).map((e: Json) => e.resource as Json);
    const screening = events.find((e: Json) => e.agent?.[0]?.who?.display === 'reader' && e.action === 'E' && e.outcome === '0');
    expect(screening).toMatchObject({
      type: { code: 'rest' },
      subtype: [{ code: 'operation' }],
      agent: [{ requestor: true, who: { display: 'reader' } }, { requestor: false, who: { display: 'eligo under test' } }],
      entity: expect.arrayContaining([expect.objectContaining({ what: { reference: 'Patient/sle-eligible' }, role: expect.objectContaining({ code: '1' }) })]),
    });
    expect(events.some((e: Json) => e.outcome === '4' && e.agent?.[0]?.who?.display === 'narrow')).toBe(true);
    expect(JSON.stringify(events)).not.toContain('eligo_');
  });
});
