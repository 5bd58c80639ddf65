import type { Resource } from '@medplum/fhirtypes';
import { getTrial, loadCatalog } from '../../src/mapping/compile';
import { READ_SCOPES } from '../../src/smart/scopes';
import { screenSessionPatient } from '../../src/web/screen-session';
import { startServer, type TestServer } from '../server/support';
import { lab, quantity } from '../real-ehr/helpers';
import { diagnosis, stay } from '../trials/support';

/**
 * Hospital stays over FHIR, through the embedded server: a DAPA-HF patient whose NT-proBNP of
 * 500 qualifies only after an admission for heart failure, screened from a SMART launch.
 */
const catalog = loadCatalog();
const trial = getTrial(catalog, 'dapa-hf');
const resources = [
  { resourceType: 'Patient', id: 'p1', birthDate: '1960-05-20', gender: 'male' },
  diagnosis('I50.22', 'Chronic systolic (congestive) heart failure'),
  lab('33762-6', 'NT-proBNP', { valueQuantity: quantity(500, 'pg/mL') }),
  stay('IMP', '2026-02-03T10:00:00Z', ['I50.23', 'Acute on chronic systolic (congestive) heart failure']),
] as unknown as Resource[];

const session = (scope: string) => ({
  id: 's1', iss: '', kind: 'ehr' as const, patient: 'p1', scope, accessToken: 'token', needPatientBanner: false, csrfToken: 'c', createdAt: 0, expiresAt: Date.now() + 60_000,
});

describe('stays read from a FHIR server for a SMART launch', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startServer();
    await t.server.load(resources);
  });
  afterAll(async () => {
    await t.running.close();
  });

  it('reads the Encounters the trial needs and decides on them', async () => {
    const { results } = await screenSessionPatient({ catalog }, { ...session(READ_SCOPES.join(' ')), iss: t.base }, [trial], { asOf: '2026-06-15' });
    expect(results[0]?.report.criteria.find((c) => c.id === 'dh.inc.ntprobnp')?.status).toBe('met');
  });

  it('does not fail, and does not decide, when the EHR did not grant Encounter reads', async () => {
    const withoutEncounter = READ_SCOPES.filter((s) => !s.startsWith('patient/Encounter.')).join(' ');
    const { results } = await screenSessionPatient({ catalog }, { ...session(withoutEncounter), iss: t.base }, [trial], { asOf: '2026-06-15' });
    const report = results[0]?.report;
    const criterion = report?.criteria.find((c) => c.id === 'dh.inc.ntprobnp');
    expect(criterion?.status).toBe('unknown');
    expect(criterion?.missing?.join(' ')).toMatch(/Encounter data was not read: the access token does not grant it/);
    expect(report?.warnings).toContainEqual({ where: 'Encounter', message: 'the access token does not grant reading Encounter; none were read' });
  });
});
