import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestHandler, Response } from 'express';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import { createBulkClient } from '../../src/bulk';
import { candidateSourceFor, runCohort, runPaths, type CohortDefinition } from '../../src/cohort';
import { createFhirSource } from '../../src/fhir';
import { getTrial, loadCatalog } from '../../src/mapping/compile';
import { loadFhirFiles } from '../../src/server';
import { patientLines } from './journal-helpers';
import { allPatientIds, EXAMPLES, startFhir, SYNTHEA, type TestFhir } from './population';

const trial = getTrial(loadCatalog(), 'sle-cart');

function definition(select: CohortDefinition['select']): CohortDefinition {
  return { trial: 'sle-cart', select, asOf: '2026-06-15', leukapheresisDate: '2026-07-01', writeBack: false, writeMeasureReport: false };
}

/** The 30 smallest Synthea bundles: with the 6 examples, 36 patients, of whom only the SLE examples have the diagnosis. */
function smallestSynthea(count: number): string[] {
  return readdirSync(SYNTHEA)
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join(SYNTHEA, f))
    .sort((a, b) => statSync(a).size - statSync(b).size || a.localeCompare(b))
    .slice(0, count);
}

/** The statement says what a Bulk Data server says (instantiates the IG) but lists no $export, and Patient/$export is not there. */
const instantiatesButNoPatientExport: RequestHandler = (req, res, next) => {
  if (/\/Patient\/\$export$/.test(req.path)) {
    res.status(404).type('application/fhir+json').send(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found' }] }));
    return;
  }
  if (req.method === 'GET' && req.path === '/metadata') {
    const send = res.send.bind(res);
    res.send = (body: unknown): Response => {
      const statement = JSON.parse(String(body)) as CapabilityStatement;
      statement.instantiates = ['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data|2.0.0'];
      for (const resource of statement.rest?.[0]?.resource ?? []) delete resource.operation;
      return send(JSON.stringify(statement));
    };
  }
  next();
};

describe('an export selection on a server without the $export', () => {
  let dataDir: string;
  let servers: TestFhir[] = [];
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-export-fallback-'));
  });
  afterEach(async () => {
    for (const s of servers) await s.running.close();
    servers = [];
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function server(options: Parameters<typeof startFhir>[0] = {}): Promise<TestFhir> {
    // Small pages, so the fallback follows next links as it must on a real server.
    const started = await startFhir({ maxPageSize: 10, ...options });
    servers.push(started);
    await loadFhirFiles(started.server, [EXAMPLES, ...smallestSynthea(30)]);
    return started;
  }

  it('screens every patient on the server, as Patient/$export would have, not those a diagnosis search finds', async () => {
    const fhir = await server();
    const everyone = await allPatientIds(fhir.base);
    expect(everyone).toHaveLength(36);
    const client = createFhirSource({ baseUrl: fhir.base });
    const patients = { label: client.baseUrl, fetchPatientResources: (id: string) => client.fetchPatientResources(id) };
    const source = candidateSourceFor({ by: 'export' }, trial, client, {}, { bulk: createBulkClient({ baseUrl: fhir.base }), runDir: runPaths(dataDir, 'all').dir });
    const result = await runCohort({ runId: 'all', definition: definition({ by: 'export' }) }, { dataDir, trial, source, patients });
    expect(result.progress.status).toBe('completed');
    const records = patientLines(dataDir, 'all');
    expect(records.map((r) => r.patientId).sort()).toEqual([...everyone].sort());
    expect(records.every((r) => r.type === 'screened')).toBe(true);
    expect(result.summary?.counts).toMatchObject({ screened: 36, total: 36 });
    expect(result.summary?.warnings[0]).toMatch(/does not advertise Patient or Group \$export .*; selected the same patients by searches instead: every Patient on the server$/);
  }, 60_000);

  it('selects the Group\'s members for a Group export', async () => {
    const fhir = await server();
    await fhir.server.load({ resourceType: 'Group', id: 'g1', type: 'person', actual: true, member: [{ entity: { reference: 'Patient/ssc-eligible' } }, { entity: { reference: 'Patient/sle-ineligible' } }] } as never);
    const client = createFhirSource({ baseUrl: fhir.base });
    const source = candidateSourceFor({ by: 'export', group: 'g1' }, trial, client, {}, { bulk: createBulkClient({ baseUrl: fhir.base }), runDir: dataDir });
    const stream = await source.open(new AbortController().signal);
    const ids: string[] = [];
    for await (const c of stream.candidates) ids.push(c.patientId);
    expect(ids.sort()).toEqual(['sle-ineligible', 'ssc-eligible']);
    expect(stream.warnings?.[0]).toMatch(/; selected the same patients by searches instead: members of Group\/g1$/);
  });

  it('falls back to every patient when the server instantiates the Bulk Data statement but has no Patient/$export', async () => {
    const fhir = await server({ bulkExport: { retryAfterSeconds: 1 }, middleware: [instantiatesButNoPatientExport] });
    const client = createFhirSource({ baseUrl: fhir.base });
    const source = candidateSourceFor({ by: 'export' }, trial, client, {}, { bulk: createBulkClient({ baseUrl: fhir.base }), runDir: dataDir });
    const stream = await source.open(new AbortController().signal);
    const ids: string[] = [];
    for await (const c of stream.candidates) ids.push(c.patientId);
    expect(ids).toHaveLength(36);
    expect(stream.warnings?.[0]).toMatch(/instantiates the Bulk Data capability statement but has no Patient\/\$export .*404.*every Patient on the server$/);
  });
});
