import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { fhirPorts } from '../../src/app/fhir-ports';
import { createBulkClient } from '../../src/bulk';
import { staticToken } from '../../src/fhir/http/access-token';
import { createCohortService, type CohortService, type CohortSummary } from '../../src/cohort';
import { createFhirSource, writeBack, type FhirSource } from '../../src/fhir';
import { RemoteLoader } from '../../src/fhir/load/remote-loader';
import { SOURCE_TAG_SYSTEM } from '../../src/fhir/load/portable';
import { groupResourcesByPatient, SCREENING_RESOURCE_TYPES } from '../../src/input';
import { loadCatalog } from '../../src/mapping/compile';
import type { EligibilityReport } from '../../src/report/types';
import { loadFhirFiles } from '../../src/server';
import { screenResources } from '../../src/usecases/screen';
import { screenPatientForTrials } from '../../src/usecases/screen-patient';
import { EXAMPLES, exampleCopy, SYNTHEA } from '../cohort/population';
import { startMedplum, type MedplumProject, type RunningMedplum } from './support';

/**
 * Against a real Medplum 4.5.2 (PostgreSQL, Redis; ../shared/tools/medplum): the server assigns
 * ids, refuses client-chosen ones, and in one of its two projects applies transactions entry by
 * entry. The same questions the embedded server answers, answered by a server that answers
 * them differently.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON off the wire, read field by field
type Json = any;

const ROOT = path.resolve(__dirname, '../..');
const catalog = loadCatalog();
const trials = [...catalog.trials.values()];
const OPTIONS = { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' };
/** The smallest Synthea samples: enough real-shaped patients, loaded in seconds. */
const SYNTHEA_SUBSET = readdirSync(SYNTHEA)
  .filter((f) => f.endsWith('.json'))
  .map((f) => path.join(SYNTHEA, f))
  .sort((a, b) => statSync(a).size - statSync(b).size || a.localeCompare(b))
  .slice(0, 12);
const FILES = [...readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).map((f) => path.join(EXAMPLES, f)), ...SYNTHEA_SUBSET];

let medplum: RunningMedplum;

beforeAll(async () => {
  medplum = await startMedplum();
}, 15 * 60_000);

afterAll(async () => {
  await medplum?.stop();
}, 180_000);

function sourceFor(project: MedplumProject): FhirSource {
  return createFhirSource({ baseUrl: project.baseUrl, bearerToken: project.accessToken, timeoutMs: 60_000 });
}

async function get(project: MedplumProject, url: string): Promise<Json> {
  const response = await fetch(url.startsWith('http') ? url : `${project.baseUrl}/${url}`, { headers: { authorization: `Bearer ${project.accessToken}`, accept: 'application/fhir+json' } });
  return response.json();
}

/** The server's id of a patient loaded from a file, found by the loader's source tag. */
async function serverIdOf(project: MedplumProject, fileId: string): Promise<string> {
  const bundle = await get(project, `Patient?_tag=${encodeURIComponent(`${SOURCE_TAG_SYSTEM}|Patient/${fileId}`)}`);
  const id = bundle.entry?.[0]?.resource?.id as string | undefined;
  if (!id) throw new Error(`Patient/${fileId} is not on the server`);
  return id;
}

/** What must match between screening the file and screening the server's copy (ids differ, nothing else may). */
function verdict(report: EligibilityReport): unknown {
  return { outcome: report.outcome, criteria: report.criteria.map((c) => [c.id, c.status, c.explanation]) };
}

describe('a real Medplum server', () => {
  it('takes the examples and Synthea samples through eligo load (no client ids), and a second load adds nothing', async () => {
    const loader = new RemoteLoader(sourceFor(medplum.atomic).http);
    const first = await loadFhirFiles({ load: (input) => loader.load(input) }, FILES);
    expect(first.files).toHaveLength(FILES.length);
    let skipped = 0;
    await loadFhirFiles({ load: async (input) => {
      const result = await loader.load(input);
      if (result.skipped) skipped++;
      return result;
    } }, FILES);
    expect(skipped).toBe(FILES.length);
  }, 300_000);

  it('screens every loaded patient for both trials exactly as from the files, in about one request per patient', async () => {
    const fhir = sourceFor(medplum.atomic);
    const source = { label: fhir.baseUrl, fetchPatientResources: (id: string) => fhir.fetchPatientResources(id) };
    let patients = 0;
    const before = fhir.roundTrips;
    for (const file of FILES) {
      const bundle = JSON.parse(readFileSync(file, 'utf8')) as Bundle;
      const { patients: groups } = groupResourcesByPatient(bundle, { resourceTypes: SCREENING_RESOURCE_TYPES });
      for (const group of groups) {
        const fileId = (group.resources.find((r) => r.resourceType === 'Patient') as Resource).id as string;
        const fromServer = await screenPatientForTrials({ source }, trials, await serverIdOf(medplum.atomic, fileId), OPTIONS);
        for (const { trial, report } of fromServer.results) {
          const fromFile = screenResources(trial, group, OPTIONS);
          expect({ file: path.basename(file), trial: trial.id, ...(verdict(report) as object) }).toEqual({ file: path.basename(file), trial: trial.id, ...(verdict(fromFile) as object) });
        }
        patients++;
      }
    }
    expect(patients).toBe(FILES.length);
    // The tag lookups above are the test's own; the screening reads are what count.
    expect((fhir.roundTrips - before) / patients).toBeLessThan(2.5);
  }, 300_000);

  it('writes a report back once, and a repeat writes nothing, in both the atomic and the entry-by-entry project', async () => {
    for (const project of [medplum.atomic, medplum.nonatomic]) {
      if (project === medplum.nonatomic) await new RemoteLoader(sourceFor(project).http).load(JSON.parse(readFileSync(path.join(EXAMPLES, 'sle-eligible.json'), 'utf8')) as Bundle);
      const fhir = sourceFor(project);
      const id = await serverIdOf(project, 'sle-eligible');
      const writer = { writeReport: (trial: (typeof trials)[number], report: EligibilityReport) => writeBack(fhir, { trial: trial.def, report, serviceVersion: 'test' }) };
      const source = { label: fhir.baseUrl, fetchPatientResources: (pid: string) => fhir.fetchPatientResources(pid) };
      const sle = trials.filter((t) => t.id === 'sle-cart');
      await screenPatientForTrials({ source, writer }, sle, id, { ...OPTIONS, writeBack: true });
      const again = await screenPatientForTrials({ source, writer }, sle, id, { ...OPTIONS, writeBack: true });
      expect(again.results[0]?.written).toEqual([]);
      const reports = await get(project, `DocumentReference?patient=Patient/${id}`);
      const subjects = await get(project, `ResearchSubject?individual=Patient/${id}`);
      expect([(reports.entry ?? []).length, (subjects.entry ?? []).length]).toEqual([1, 1]);
    }
  }, 120_000);

  describe('cohort runs', () => {
    let dataDir: string;
    beforeAll(() => {
      dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-medplum-cohort-'));
    });
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    function service(): CohortService {
      const accessTokens = staticToken(medplum.atomic.accessToken);
      const ports = fhirPorts({ baseUrl: medplum.atomic.baseUrl, accessTokens, timeoutMs: 60_000 });
      const bulk = createBulkClient({ baseUrl: medplum.atomic.baseUrl, auth: accessTokens, timeoutMs: 60_000 });
      return createCohortService({ catalog, dataDir, fhir: ports.fhir, patients: ports.source, bulk, concurrency: 2 });
    }
    const sleIds = async (): Promise<string[]> => Promise.all(['sle-eligible', 'sle-potential', 'sle-ineligible'].map((id) => serverIdOf(medplum.atomic, id)));
    /** A Group of the three lupus examples, created on the server (it assigns the id). */
    const lupusGroup = async (): Promise<{ id: string }> => {
      const members = await sleIds();
      const created = await fetch(`${medplum.atomic.baseUrl}/Group`, {
        method: 'POST',
        headers: { authorization: `Bearer ${medplum.atomic.accessToken}`, 'content-type': 'application/fhir+json' },
        body: JSON.stringify({ resourceType: 'Group', type: 'person', actual: true, member: members.map((id) => ({ entity: { reference: `Patient/${id}` } })) }),
      });
      return (await created.json()) as { id: string };
    };

    it('selects by diagnosis (Medplum has no code:below: explicit codes) and screens the lupus examples with their outcomes', async () => {
      const cohort = service();
      try {
        const result = await cohort.run({ trial: 'sle-cart', select: { by: 'diagnosis' }, ...OPTIONS, runId: `medplum-dx-${Date.now().toString(36)}` });
        const summary = result.summary as CohortSummary;
        expect(summary.status).toBe('completed');
        expect(summary.failures).toEqual([]);
        expect(summary.counts.screened).toBeGreaterThanOrEqual(3);
        expect(summary.counts.byOutcome.eligible).toBeGreaterThanOrEqual(1);
      } finally {
        await cohort.close();
      }
    }, 180_000);

    it('selects a Group\'s members and writes the summary MeasureReport once by its run identifier, however often the run completes', async () => {
      const group = await lupusGroup();
      const runId = `medplum-group-${Date.now().toString(36)}`;
      const cohort = service();
      try {
        const first = await cohort.run({ trial: 'sle-cart', select: { by: 'group', group: group.id }, ...OPTIONS, writeMeasureReport: true, runId });
        expect(first.summary?.counts).toMatchObject({ screened: 3, byOutcome: { eligible: 1, 'potential-candidate': 1, ineligible: 1 } });
        await cohort.run({ trial: 'sle-cart', select: { by: 'group', group: group.id }, ...OPTIONS, writeMeasureReport: true, runId });
        const found = await get(medplum.atomic, `MeasureReport?identifier=${encodeURIComponent(`urn:eligo:cohort-run|${runId}`)}`);
        expect((found.entry ?? []).length).toBe(1);
        expect(found.entry[0].resource).toMatchObject({ resourceType: 'MeasureReport', type: 'summary', status: 'complete' });
      } finally {
        await cohort.close();
      }
    }, 180_000);

    it('exports the Group by Bulk Data ($export kicked off with GET, as Medplum requires) and screens the same members', async () => {
      const group = await lupusGroup();
      const cohort = service();
      try {
        const result = await cohort.run({ trial: 'sle-cart', select: { by: 'export', group: group.id }, ...OPTIONS, runId: `medplum-export-${Date.now().toString(36)}` });
        const summary = result.summary as CohortSummary;
        expect({ status: summary.status, failures: summary.failures }).toEqual({ status: 'completed', failures: [] });
        expect(summary.candidates).toMatch(/\$export/);
        expect(summary.counts).toMatchObject({ screened: 3, byOutcome: { eligible: 1, 'potential-candidate': 1, ineligible: 1 } });
      } finally {
        await cohort.close();
      }
    }, 300_000);
  });

  it('two processes writing back the same patient at once leave one report, one subject and one Provenance', async () => {
    const project = medplum.nonatomic;
    const copyId = `race-${Date.now().toString(36)}`;
    await new RemoteLoader(sourceFor(project).http).load(exampleCopy('sle-eligible.json', 'sle-eligible', copyId));
    const id = await serverIdOf(project, copyId);
    const cli = (): Promise<{ code: number | null; stderr: string }> =>
      new Promise((resolve) => {
        // The built CLI (npm test builds first), as a site would run it from cron and by hand.
        const child = spawn(process.execPath, [path.join(ROOT, 'bin/eligo.js'), 'screen', '--trial', 'sle-cart', '--fhir', project.baseUrl, '--patient', id, '--as-of', OPTIONS.asOf, '--write-back', '--format', 'ndjson'], {
          cwd: ROOT,
          env: { ...process.env, ELIGO_FHIR_TOKEN: project.accessToken },
          stdio: ['ignore', 'ignore', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('exit', (code) => resolve({ code, stderr }));
      });
    const [a, b] = await Promise.all([cli(), cli()]);
    expect([a.code, b.code, a.stderr + b.stderr]).toEqual([0, 0, expect.any(String)]);
    const reports = (await get(project, `DocumentReference?patient=Patient/${id}`)).entry ?? [];
    const subjects = (await get(project, `ResearchSubject?individual=Patient/${id}`)).entry ?? [];
    const provenances = (await get(project, `Provenance?_tag=${encodeURIComponent('urn:eligo:screening|')}&_count=1000`)).entry ?? [];
    expect([reports.length, subjects.length]).toEqual([1, 1]);
    const reportRef = `DocumentReference/${reports[0].resource.id as string}`;
    const mine = provenances.filter((p: Json) => (p.resource.target as { reference: string }[]).some((t) => t.reference === reportRef));
    expect(mine).toHaveLength(1);
  }, 180_000);
});
