import { groupResourcesByPatient } from '../../src/input';
import type { Bundle, Resource } from '@medplum/fhirtypes';

const observation = (id: string, subject: string) => ({
  resourceType: 'Observation',
  id,
  status: 'final',
  code: { text: 'Hb' },
  subject: { reference: subject },
});

describe('groupResourcesByPatient on a Bundle in memory', () => {
  it('groups a posted Bundle with several patients and resolves urn:uuid references', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { fullUrl: 'urn:uuid:00000000-0000-4000-8000-00000000000a', resource: { resourceType: 'Patient', id: 'A' } },
        { fullUrl: 'urn:uuid:00000000-0000-4000-8000-00000000000b', resource: { resourceType: 'Patient' } },
        { resource: observation('oa', 'urn:uuid:00000000-0000-4000-8000-00000000000a') },
        { resource: observation('ob', 'urn:uuid:00000000-0000-4000-8000-00000000000b') },
        { resource: observation('lost', 'urn:uuid:99999999-0000-4000-8000-000000000000') },
        { request: { method: 'DELETE', url: 'Observation/old' } },
      ],
    } as unknown as Bundle;
    const { patients, errors } = groupResourcesByPatient(bundle, { source: 'POST /screen' });
    expect(patients.map((p) => [p.patientId, p.resources.map((r) => r.id), p.source])).toEqual([
      ['A', ['A', 'oa'], 'POST /screen'],
      ['00000000-0000-4000-8000-00000000000b', ['00000000-0000-4000-8000-00000000000b', 'ob'], 'POST /screen'],
    ]);
    expect((patients[1]?.resources[1] as unknown as { subject: { reference: string } }).subject.reference).toBe('Patient/00000000-0000-4000-8000-00000000000b');
    expect(errors).toEqual([
      { file: 'POST /screen', location: 'Observation/lost', message: 'skipped: its subject urn:uuid:99999999-0000-4000-8000-000000000000 is not an entry of the Bundle' },
    ]);
  });

  it('reads a collection of patient Bundles', () => {
    const inner = (id: string) => ({ resourceType: 'Bundle', type: 'collection', entry: [{ resource: { resourceType: 'Patient', id } }, { resource: observation(`${id}-o`, `Patient/${id}`) }] });
    const outer = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: inner('x') }, { resource: inner('y') }] } as unknown as Bundle;
    expect(groupResourcesByPatient(outer).patients.map((p) => p.patientId)).toEqual(['x', 'y']);
  });

  it('groups a plain list of resources', () => {
    const resources = [{ resourceType: 'Patient', id: 'p' }, observation('o', 'Patient/p'), { resourceType: 'Practitioner', id: 'dr' }] as unknown as Resource[];
    const { patients, errors } = groupResourcesByPatient(resources);
    expect(errors).toEqual([]);
    expect(patients.map((p) => p.resources.map((r) => r.id))).toEqual([['p', 'o']]);
  });

  it('reports a subject that is not a Patient', () => {
    const { patients, errors } = groupResourcesByPatient([observation('g', 'Group/cohort')] as unknown as Resource[]);
    expect(patients).toEqual([]);
    expect(errors).toEqual([{ file: 'request', location: 'Observation/g', message: 'skipped: its subject Group/cohort is not a Patient reference' }]);
  });

  it('returns an error rather than throwing for something that is not a Bundle', () => {
    expect(groupResourcesByPatient({ resourceType: 'Patient', id: 'p' } as unknown as Bundle)).toEqual({
      patients: [],
      errors: [{ file: 'request', message: 'a Patient resource, not a Bundle' }],
    });
    expect(groupResourcesByPatient('nonsense' as unknown as Bundle).errors).toEqual([{ file: 'request', message: 'not a FHIR resource (no resourceType)' }]);
  });
});
