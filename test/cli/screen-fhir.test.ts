import { loadCatalog } from '../../src/mapping/compile';
import path from 'node:path';
import { createFhirServer, loadFhirFiles, type RunningFhirServer } from '../../src/server';
import { cli } from './run';

const EXAMPLES = path.resolve(__dirname, '../../examples');
const SYNTHEA = path.resolve(__dirname, '../../../shared/fhir-samples/synthea-r4');
const DATES = ['--as-of', '2026-06-15', '--leukapheresis', '2026-07-01'];

let server: RunningFhirServer;

beforeAll(async () => {
  const fhir = createFhirServer({ defaultPageSize: 5 });
  await loadFhirFiles(fhir, [EXAMPLES, path.join(SYNTHEA, 'Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json')]);
  server = await fhir.listen(0);
});

afterAll(async () => {
  await server.close();
});

/** Reports compared without warnings and the patient reference (a server may assign its own ids). */
function comparable(json: string): unknown {
  const report = JSON.parse(json) as Record<string, unknown>;
  delete report.warnings;
  const patient = String(report.patient);
  return JSON.parse(JSON.stringify(report).split(patient).join('Patient/X'));
}

describe('eligo screen --fhir', () => {
  it.each([
    ['sle-cart', 'sle-eligible'],
    ['sle-cart', 'sle-potential'],
    ['ssc-cart', 'ssc-eligible'],
    ['ssc-cart', 'ssc-potential'],
  ])('gives %s for %s the same report from the server as from the file', async (trial, patient) => {
    const fromServer = await cli('screen', '--trial', trial, '--fhir', server.baseUrl, '--patient', patient, ...DATES);
    const file = patient.endsWith('-potential') ? `${patient}-candidate` : patient;
    const fromFile = await cli('screen', '--trial', trial, '--bundle', path.join(EXAMPLES, `${file}.json`), ...DATES);
    expect(fromServer.stderr).toBe('');
    expect(fromServer.code).toBe(0);
    expect(comparable(fromServer.stdout)).toEqual(comparable(fromFile.stdout));
  });

  it('screens each patient for every trial with --trial all, the same reports as from the files', async () => {
    const fromServer = await cli('screen', '--trial', 'all', '--fhir', server.baseUrl, '--patient', 'sle-eligible', '--patient', 'ssc-eligible', '--format', 'ndjson', ...DATES);
    const fromFile = await cli('screen', '--trial', 'all', '--bundle', path.join(EXAMPLES, 'sle-eligible.json'), '--bundle', path.join(EXAMPLES, 'ssc-eligible.json'), '--format', 'ndjson', ...DATES);
    expect(fromServer.stderr).toBe('');
    expect(fromServer.code).toBe(0);
    const lines = (run: { stdout: string }): unknown[] => run.stdout.trim().split('\n').map(comparable);
    // Every trial of the mappings, for each of the two patients.
    expect(lines(fromServer)).toHaveLength(2 * loadCatalog().trials.size);
    expect(lines(fromServer)).toEqual(lines(fromFile));
  });

  it('gives a Synthea patient the same report from the server as from the file', async () => {
    // The sample is a transaction of POSTs: the server chose the Patient's id.
    const search = (await (await fetch(`${server.baseUrl}/Patient?family=Koepp`)).json()) as { entry?: { resource: { id: string } }[] };
    const id = search.entry?.[0]?.resource.id ?? '';
    expect(id).not.toBe('');
    const fromServer = await cli('screen', '--trial', 'sle-cart', '--fhir', server.baseUrl, '--patient', id, ...DATES);
    const fromFile = await cli('screen', '--trial', 'sle-cart', '--bundle', path.join(SYNTHEA, 'Abdul_Koepp_e925b0f3-8006-43f6-aa31-94bd215e55e7.json'), ...DATES);
    expect(fromServer.code).toBe(0);
    // POSTed resources got server ids too: compare everything but the references.
    const unreferenced = (json: string) => JSON.parse(JSON.stringify(comparable(json)).replace(/"reference":"[^"]*"/g, '"reference":"R"')) as unknown;
    expect(unreferenced(fromServer.stdout)).toEqual(unreferenced(fromFile.stdout));
  });

  it('writes back once, and the second run finds nothing to change', async () => {
    const first = await cli('screen', '--trial', 'ssc-cart', '--fhir', server.baseUrl, '--patient', 'ssc-eligible', '--write-back', ...DATES);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/wrote back .*ResearchSubject\//);
    const second = await cli('screen', '--trial', 'ssc-cart', '--fhir', server.baseUrl, '--patient', 'ssc-eligible', '--write-back', ...DATES);
    expect(second.stderr).toContain('wrote back nothing (already current)');
    const subjects = (await (await fetch(`${server.baseUrl}/ResearchSubject?_summary=count`)).json()) as { total: number };
    expect(subjects.total).toBe(1);
  });

  it('names a patient the server does not have, exit 2', async () => {
    const run = await cli('screen', '--trial', 'sle-cart', '--fhir', server.baseUrl, '--patient', 'no-such-patient', ...DATES);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no-such-patient|not found/i);
  });

  it('refuses --write-back without a server', async () => {
    const run = await cli('screen', '--trial', 'sle-cart', '--bundle', EXAMPLES, '--write-back');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--write-back needs --fhir');
  });
});
