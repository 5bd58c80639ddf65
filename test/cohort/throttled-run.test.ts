import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { explicitIdsSource, runCohort, type CohortDefinition } from '../../src/cohort';
import { createFhirSource } from '../../src/fhir';
import type { RetryEvent } from '../../src/fhir';
import { getTrial, loadCatalog } from '../../src/mapping/compile';
import { loadFhirFiles } from '../../src/server';
import { patientLines } from './journal-helpers';
import { EXAMPLES, startFhir, type TestFhir } from './population';

const trial = getTrial(loadCatalog(), 'ssc-cart');
const IDS = ['ssc-eligible', 'ssc-ineligible', 'ssc-potential', 'sle-eligible', 'sle-potential'];
const WINDOW_MS = 2000;

function definition(): CohortDefinition {
  return { trial: 'ssc-cart', select: { by: 'patients', patients: IDS }, asOf: '2026-06-15', leukapheresisDate: '2026-07-01', writeBack: false, writeMeasureReport: false };
}

/**
 * Stands in for Medplum's rate limit: from the `from`-th request on, a window of WINDOW_MS in
 * which every request gets 429 with an OperationOutcome and only a RateLimit header (no
 * Retry-After), `t` being the whole seconds left of the window.
 */
function rateLimit(from: number): { middleware: RequestHandler; throttled: () => number } {
  let n = 0;
  let throttled = 0;
  let windowEnds: number | undefined;
  const middleware: RequestHandler = (_req, res, next) => {
    if (++n < from) return next();
    windowEnds ??= Date.now() + WINDOW_MS;
    const left = windowEnds - Date.now();
    if (left <= 0) return next();
    throttled++;
    res
      .status(429)
      .set({ 'content-type': 'application/fhir+json', ratelimit: `"requests";r=0;t=${Math.ceil(left / 1000)}`, 'ratelimit-policy': '"requests";q=60;w=60' })
      .send(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled', details: { text: 'Too many requests' } }] }));
  };
  return { middleware, throttled: () => throttled };
}

describe('a cohort run on a server that rate-limits', () => {
  let dataDir: string;
  let fhir: TestFhir | undefined;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-throttled-run-'));
  });
  afterEach(async () => {
    await fhir?.running.close();
    fhir = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('waits out the window each read is refused for and screens everyone', async () => {
    const limit = rateLimit(4);
    fhir = await startFhir({ middleware: [limit.middleware] });
    await loadFhirFiles(fhir.server, [EXAMPLES]);
    const retries: RetryEvent[] = [];
    const client = createFhirSource({ baseUrl: fhir.base, retries: 3, retryBaseDelayMs: 1, onRetry: (e) => retries.push(e) });
    const patients = { label: client.baseUrl, fetchPatientResources: (id: string) => client.fetchPatientResources(id) };
    const result = await runCohort({ runId: 'paced', definition: definition(), concurrency: 2, maxConsecutiveUnavailable: 2 }, { dataDir, trial, source: explicitIdsSource(IDS), patients });
    expect(result.progress.status).toBe('completed');
    expect(patientLines(dataDir, 'paced').map((r) => r.type)).toEqual(['screened', 'screened', 'screened', 'screened', 'screened']);
    expect(limit.throttled()).toBeGreaterThan(0);
    const throttledRetries = retries.filter((r) => r.reason === 'answered 429');
    expect(throttledRetries).toHaveLength(limit.throttled());
    // Each wait is what the RateLimit header said (whole seconds of the window), never a quick jittered retry.
    expect(throttledRetries.every((r) => r.delayMs >= 1000 && r.delayMs <= WINDOW_MS && r.delayMs % 1000 === 0)).toBe(true);
    expect(Math.max(...throttledRetries.map((r) => r.delayMs))).toBe(WINDOW_MS);
  }, 30_000);

  it('does not take throttling for an outage: with no retries left in the client, the run itself waits as told and carries on', async () => {
    const limit = rateLimit(4);
    fhir = await startFhir({ middleware: [limit.middleware] });
    await loadFhirFiles(fhir.server, [EXAMPLES]);
    const client = createFhirSource({ baseUrl: fhir.base, retries: 0 });
    const patients = { label: client.baseUrl, fetchPatientResources: (id: string) => client.fetchPatientResources(id) };
    const waits: { patientId: string; waitMs: number }[] = [];
    const result = await runCohort(
      { runId: 'paced-run', definition: definition(), concurrency: 2, maxConsecutiveUnavailable: 2, onThrottle: (e) => waits.push(e) },
      { dataDir, trial, source: explicitIdsSource(IDS), patients },
    );
    expect(result.progress.status).toBe('completed');
    const records = patientLines(dataDir, 'paced-run');
    expect(records.map((r) => r.type)).toEqual(['screened', 'screened', 'screened', 'screened', 'screened']);
    expect(records.map((r) => r.patientId).sort()).toEqual([...IDS].sort());
    expect(waits.length).toBeGreaterThan(0);
    expect(waits.every((w) => w.waitMs >= 1000 && w.waitMs <= WINDOW_MS && w.waitMs % 1000 === 0)).toBe(true);
    expect(Math.max(...waits.map((w) => w.waitMs))).toBe(WINDOW_MS);
  }, 30_000);
});
