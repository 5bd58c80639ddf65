import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import express, { type RequestHandler } from 'express';
import { fhirPorts } from '../../src/app/fhir-ports';
import { createCohortRouter, createCohortService, runPaths, type CohortService } from '../../src/cohort';
import { authenticate } from '../../src/access/authenticate';
import { errorHandler } from '../../src/http/operation-outcome';
import { loadCatalog } from '../../src/mapping/compile';
import { loadFhirFiles } from '../../src/server';
import { EXAMPLES, exampleCopy, startFhir, type TestFhir } from './population';
import { occurrences, patientLines } from './journal-helpers';
import { testAccess } from '../support/access';
import { callJson, type Json } from '../support/http';


/** Holds the FHIR server's batch requests (patient fetches) while closed: a slow server, to cancel a run mid-way. */
class Gate {
  private release: (() => void) | undefined;
  private opened: Promise<void> = Promise.resolve();
  close(): void {
    this.opened = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release?.();
  }
  readonly handler: RequestHandler = (req, _res, next) => {
    if (req.method !== 'POST') return next();
    void this.opened.then(() => next());
  };
}

const gate = new Gate();
// A coordinator's service key with the population scope.
const access = testAccess();
let fhir: TestFhir;
let service: CohortService;
let server: Server;
let api: string;
let dataDir: string;

beforeAll(async () => {
  fhir = await startFhir({ middleware: [gate.handler] });
  await loadFhirFiles(fhir.server, [EXAMPLES]);
  for (let i = 0; i < 10; i++) await fhir.server.load(exampleCopy('sle-potential-candidate.json', 'sle-potential', `sle-potential-api${i}`));
  dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-cohort-api-'));
  const ports = fhirPorts({ baseUrl: fhir.base });
  service = createCohortService({ catalog: loadCatalog(), dataDir, fhir: ports.fhir, patients: ports.source, concurrency: 1 });
  const app = express();
  app.use('/api', authenticate(access.deps), createCohortRouter(service));
  app.use(errorHandler(() => undefined));
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
}, 30_000);

afterAll(async () => {
  gate.open();
  await service.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fhir.running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function call(method: string, url: string, body?: unknown): ReturnType<typeof callJson> {
  return callJson(method, url.startsWith('http') ? url : `${api}${url}`, access.as('service'), body);
}

async function until(runId: string, statuses: string[]): Promise<Json> {
  for (let i = 0; i < 600; i++) {
    const { json } = await call('GET', `/cohort-runs/${runId}`);
    if (statuses.includes(json.status as string)) return json;
    await sleep(25);
  }
  throw new Error(`run ${runId} never reached ${statuses.join(' or ')}`);
}

describe('the cohort runs API', () => {
  it('starts a run now (202 with its location), shows its progress counts, and serves the summary as MeasureReport, JSON, CSV and HTML', async () => {
    const started = await call('POST', '/cohort-runs', { trial: 'sle-cart', asOf: '2026-06-15', leukapheresisDate: '2026-07-01', runId: 'api-run' });
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe('/api/cohort-runs/api-run');
    expect(started.json).toMatchObject({ runId: 'api-run', trial: 'sle-cart', active: true, definition: { select: { by: 'diagnosis' }, asOf: '2026-06-15' } });
    const done = await until('api-run', ['completed']);
    expect(done).toMatchObject({ total: 13, screened: 13, failed: 0, byOutcome: { eligible: 1, 'potential-candidate': 11, ineligible: 1 }, active: false });

    const measure = await call('GET', '/cohort-runs/api-run/summary');
    expect(measure.headers.get('content-type')).toContain('application/fhir+json');
    expect(measure.json).toMatchObject({ resourceType: 'MeasureReport', type: 'summary', status: 'complete' });
    const summary = await call('GET', new URL(done.links.summary as string, api).href);
    expect(summary.json.counts.byOutcome).toEqual(done.byOutcome);
    const csv = await call('GET', '/cohort-runs/api-run/summary.csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="cohort-api-run.csv"');
    expect(csv.text).toContain('outcome,potential-candidate,Potential candidate,,11');
    const html = await call('GET', '/cohort-runs/api-run/summary.html');
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html.text).toContain('<svg');

    const again = await call('POST', '/cohort-runs', { trial: 'sle-cart', runId: 'api-run' });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ status: 'completed', screened: 13, definition: { asOf: '2026-06-15' } });
    const list = await call('GET', '/cohort-runs');
    expect(list.json.map((r: Json) => r.runId as string)).toContain('api-run');
  });

  it('cancels a running run: patients in flight finish, the rest stay unscreened, and a partial summary says so', async () => {
    gate.close();
    const started = await call('POST', '/cohort-runs', { trial: 'sle-cart', asOf: '2026-06-15', runId: 'api-cancel' });
    expect(started.status).toBe(202);
    const cancelling = await call('DELETE', '/cohort-runs/api-cancel');
    expect(cancelling.status).toBe(202);
    expect(cancelling.json.status).toBe('cancelling');
    gate.open();
    const cancelled = await until('api-cancel', ['cancelled']);
    expect(cancelled.screened + cancelled.failed).toBeLessThan(13);
    const partial = await call('GET', '/cohort-runs/api-cancel/summary.json');
    expect(partial.json.status).toBe('cancelled');
    expect(partial.json.counts.screened).toBe(cancelled.screened);
    const measure = await call('GET', '/cohort-runs/api-cancel/summary');
    expect(measure.json.status).toBe('pending');
    const deleteAgain = await call('DELETE', '/cohort-runs/api-cancel');
    expect(deleteAgain.status).toBe(200);
    expect(deleteAgain.json.status).toBe('cancelled');
  });

  it('answers bad requests with an OperationOutcome naming the error', async () => {
    const unknownTrial = await call('POST', '/cohort-runs', { trial: 'no-such-trial' });
    expect(unknownTrial.status).toBe(404);
    expect(unknownTrial.json.issue[0].diagnostics).toMatch(/^ERR_TRIAL_NOT_FOUND/);
    const badSelect = await call('POST', '/cohort-runs', { trial: 'sle-cart', select: { by: 'group' } });
    expect(badSelect.status).toBe(400);
    expect(badSelect.json.resourceType).toBe('OperationOutcome');
    const otherDefinition = await call('POST', '/cohort-runs', { trial: 'sle-cart', runId: 'api-run', asOf: '2026-07-01' });
    expect(otherDefinition.status).toBe(400);
    expect(otherDefinition.json.issue[0].diagnostics).toContain('another asOf');
    const missing = await call('GET', '/cohort-runs/no-such-run');
    expect(missing.status).toBe(404);
    const badId = await call('GET', `/cohort-runs/${encodeURIComponent('bad id!')}`);
    expect(badId.status).toBe(400);
  });

  it('resumes at start-up a run that a crash left unfinished, and no other', async () => {
    const ports = fhirPorts({ baseUrl: fhir.base });
    await service.run({ trial: 'ssc-cart', asOf: '2026-06-15', runId: 'crashed' });
    // What a kill leaves: the last patients and the end line never written, the lock of a process that is gone.
    const paths = runPaths(dataDir, 'crashed');
    const lines = readFileSync(paths.journal, 'utf8').split('\n').filter(Boolean);
    writeFileSync(paths.journal, `${lines.slice(0, -3).join('\n')}\n`);
    rmSync(paths.summary);
    const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
    writeFileSync(paths.lock, JSON.stringify({ pid: gone, host: hostname() }));

    const restarted = createCohortService({ catalog: loadCatalog(), dataDir, fhir: ports.fhir, patients: ports.source });
    try {
      expect(await restarted.resumeInterrupted()).toEqual(['crashed']);
      for (let i = 0; i < 400 && (await restarted.status('crashed')).status !== 'completed'; i++) await sleep(25);
      expect(await restarted.status('crashed')).toMatchObject({ status: 'completed', screened: 3, failed: 0 });
      const records = patientLines(dataDir, 'crashed');
      expect(records).toHaveLength(3);
      expect([...occurrences(records).values()]).toEqual([1, 1, 1]);
    } finally {
      await restarted.close();
    }
  });
});
