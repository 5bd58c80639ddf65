import type { Resource } from '@medplum/fhirtypes';
import { isEligoError } from '../../src/errors/eligo-error';
import { createFhirSource } from '../../src/fhir';
import { condition, patient, startServer } from '../server/support';
import type { TestServer } from '../server/support';

const ICD = 'http://hl7.org/fhir/sid/icd-10-cm';
const SCT = 'http://snomed.info/sct';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
  await t.server.load([
    ...['p1', 'p2', 'p3', 'p4', 'p5'].map((id) => patient(id)),
    condition('c1', 'p1', ICD, 'M32.14'),
    condition('c1b', 'p1', ICD, 'M32.10'),
    condition('c2', 'p2', ICD, 'M32.10'),
    condition('c3', 'p3', SCT, '55464009'),
    condition('c4', 'p4', ICD, 'M34.0'),
    { resourceType: 'Group', id: 'inner', type: 'person', actual: true, member: [{ entity: { reference: 'Patient/p5' } }] },
    {
      resourceType: 'Group',
      id: 'outer',
      type: 'person',
      actual: true,
      member: [
        { entity: { reference: 'Patient/p1' } },
        { entity: { reference: 'Patient/p2' }, inactive: true },
        { entity: { reference: 'Group/inner' } },
        { entity: { reference: 'Group/outer' } },
      ],
    },
  ] as Resource[]);
});
afterAll(() => t.running.close());

describe('finding the patients of a cohort', () => {
  it('lists the distinct patients with a Condition coded with any of the codes, over every page', async () => {
    const source = createFhirSource({ baseUrl: t.base, pageSize: 1 });
    const ids = await source.searchPatientIds({
      conditionCodes: [
        { system: ICD, code: 'M32.14' },
        { system: ICD, code: 'M32.10' },
        { system: SCT, code: '55464009' },
      ],
    });
    expect(ids.sort()).toEqual(['p1', 'p2', 'p3']);
  });

  it('follows code:below for an ICD-10-CM category', async () => {
    const ids = await createFhirSource({ baseUrl: t.base }).searchPatientIds({ conditionCodes: [{ system: ICD, code: 'M32', below: true }] });
    expect(ids.sort()).toEqual(['p1', 'p2']);
  });

  it('lists a Group\'s active members, nested Groups included', async () => {
    const ids = await createFhirSource({ baseUrl: t.base }).searchPatientIds({ group: 'outer' });
    expect(ids.sort()).toEqual(['p1', 'p5']);
  });

  it('reports a Group the server does not have as ERR_NOT_FOUND', async () => {
    const error: unknown = await createFhirSource({ baseUrl: t.base }).searchPatientIds({ group: 'missing' }).catch((e: unknown) => e);
    expect(isEligoError(error, 'ERR_NOT_FOUND')).toBe(true);
  });
});
