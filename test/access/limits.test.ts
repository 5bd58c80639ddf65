import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import type { RequestHandler } from 'express';
import { fhirPorts } from '../../src/app/fhir-ports';
import { Admission } from '../../src/http/admission';
import { createApp } from '../../src/http/create-app';
import { createLogger } from '../../src/log';
import { getTrial, loadCatalog } from '../../src/mapping/compile';
import { MemoryReportStore } from '../../src/report/store';
import { loadFhirFiles } from '../../src/server';
import { BundleScreeningPool } from '../../src/workers/bundle-pool';
import { screenPostedBundle } from '../../src/workers/bundle-screen';
import { EXAMPLES, startFhir, SYNTHEA, type TestFhir } from '../cohort/population';
import { testAccess } from '../support/access';

/** Json off the wire, read field by field in assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions check the shape
type Json = any;

/** Holds the FHIR server's answers while closed, so screenings stay in flight as long as a test needs. */
class Gate {
  private release: (() => void) | undefined;
  private opened: Promise<void> = Promise.resolve();
  held = 0;
  close(): void {
    this.opened = new Promise((resolve) => (this.release = resolve));
  }
  open(): void {
    this.release?.();
  }
  readonly handler: RequestHandler = (_req, _res, next) => {
    this.held++;
    void this.opened.then(() => next());
  };
}

const catalog = loadCatalog();
const gate = new Gate();
const access = testAccess({ holders: { alice: ['system/*.rs'], bob: ['system/*.rs'] } });
const pool = new BundleScreeningPool();
let fhir: TestFhir;
const servers: Server[] = [];

beforeAll(async () => {
  fhir = await startFhir({ middleware: [gate.handler] });
  await loadFhirFiles(fhir.server, [EXAMPLES]);
}, 30_000);

afterAll(async () => {
  gate.open();
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  await pool.close();
  await fhir?.running.close();
});

async function serve(admission: Admission, maxBodyBytes?: number): Promise<string> {
  const ports = fhirPorts({ baseUrl: fhir.base });
  const app = createApp({
    catalog,
    reports: new MemoryReportStore(),
    source: ports.source,
    now: () => new Date('2026-06-15T12:00:00Z'),
    log: createLogger({ level: 'silent' }),
    access: access.deps,
    admission,
    bundlePool: pool,
    ...(maxBodyBytes ? { maxBodyBytes } : {}),
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function screen(base: string, who: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}/api/trials/sle-cart/screen`, {
    method: 'POST',
    headers: { ...access.as(who), 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function untilHeld(count: number): Promise<void> {
  for (let i = 0; i < 500 && gate.held < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('admission control', () => {
  it('runs a bounded number of screenings, queues a bounded number, and answers the rest 503 with Retry-After', async () => {
    const admission = new Admission({ maxActive: 1, maxQueued: 1, perCaller: 10, retryAfterSeconds: 3 });
    const base = await serve(admission);
    gate.close();
    gate.held = 0;
    const running = screen(base, 'alice', { patientId: 'sle-eligible' });
    await untilHeld(1);
    const queued = screen(base, 'bob', { patientId: 'sle-potential' });
    for (let i = 0; i < 500 && admission.load.queued < 1; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(admission.load).toEqual({ active: 1, queued: 1 });
    const refused = await screen(base, 'bob', { patientId: 'sle-ineligible' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('3');
    expect(((await refused.json()) as Json).issue[0].diagnostics).toMatch(/ERR_BUSY/);
    gate.open();
    expect((await running).status).toBe(200);
    expect((await queued).status).toBe(200);
  });

  it('throttles one caller past its share (429) while another caller is still served', async () => {
    const base = await serve(new Admission({ maxActive: 4, maxQueued: 4, perCaller: 1, retryAfterSeconds: 2 }));
    gate.close();
    gate.held = 0;
    const first = screen(base, 'alice', { patientId: 'sle-eligible' });
    await untilHeld(1);
    const again = await screen(base, 'alice', { patientId: 'sle-potential' });
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('2');
    const other = screen(base, 'bob', { patientId: 'sle-potential' });
    gate.open();
    expect((await first).status).toBe(200);
    expect((await other).status).toBe(200);
  });

  it('refuses a body over the route\'s limit with 413 before parsing it, and an unsupported charset with 415', async () => {
    const base = await serve(new Admission(), 4096);
    const big = await screen(base, 'alice', { bundle: { resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', id: 'p', text: 'x'.repeat(8000) } }] } });
    expect(big.status).toBe(413);
    expect(((await big.json()) as Json).issue[0].code).toBe('too-costly');
    const latin = await screen(base, 'alice', JSON.stringify({ patientId: 'sle-eligible' }), { 'content-type': 'application/json; charset=latin1' });
    expect(latin.status).toBe(415);
    const cohortBody = await fetch(`${base}/api/trials`, { method: 'POST', headers: { ...access.as('alice'), 'content-type': 'application/json' }, body: '{}' });
    expect(cohortBody.status).toBe(404);
  });

  it('screens a large posted Bundle on the worker thread with the same report as in-process, and its errors as errors', async () => {
    const base = await serve(new Admission(), 10 * 1024 * 1024);
    const file = path.join(SYNTHEA, 'Fletcher_Hyatt_fe0562b5-f517-4951-8366-32fdab088930.json');
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as Bundle;
    const before = pool.screened;
    const response = await screen(base, 'alice', { bundle, asOf: '2026-06-15' });
    expect(response.status).toBe(200);
    expect(pool.screened).toBe(before + 1);
    const report = (await response.json()) as Json;
    expect(report).toEqual(JSON.parse(JSON.stringify(screenPostedBundle(getTrial(catalog, 'sle-cart'), bundle, { asOf: '2026-06-15' }))));
    const twoPatients = { resourceType: 'Bundle', type: 'collection', entry: [...(bundle.entry ?? []), { resource: { resourceType: 'Patient', id: 'second' } }] };
    const refused = await screen(base, 'alice', { bundle: twoPatients, asOf: '2026-06-15' });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Json).issue[0].diagnostics).toMatch(/ERR_INPUT_INVALID: the Bundle must hold exactly one patient, found 2/);
  });

  it('POST /api/screen screens a large posted Bundle for every trial on the worker thread, each report as in-process', async () => {
    const base = await serve(new Admission(), 10 * 1024 * 1024);
    const file = path.join(SYNTHEA, 'Fletcher_Hyatt_fe0562b5-f517-4951-8366-32fdab088930.json');
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as Bundle;
    const before = pool.screened;
    const response = await fetch(`${base}/api/screen`, { method: 'POST', headers: { ...access.as('alice'), 'content-type': 'application/json' }, body: JSON.stringify({ bundle, asOf: '2026-06-15' }) });
    expect(response.status).toBe(200);
    const trials = [...catalog.trials.values()];
    // One job for every trial: the Bundle crosses to the thread once.
    expect(pool.screened).toBe(before + 1);
    const { reports } = (await response.json()) as Json;
    expect(reports).toEqual(JSON.parse(JSON.stringify(trials.map((t) => screenPostedBundle(t, bundle, { asOf: '2026-06-15' })))));
  });
});
