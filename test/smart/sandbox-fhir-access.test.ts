import { decide, type TokenGrant } from '../../src/sandbox/fhir-access';

const patientA: TokenGrant = { patient: 'a', scopes: new Set(['patient/Patient.rs', 'patient/Observation.rs', 'patient/ResearchSubject.cu', 'patient/Medication.rs']) };
const owners: Record<string, string> = { 'Observation/obs-a': 'a', 'Observation/obs-b': 'b' };
const patientOf = (type: string, id: string): Promise<string | undefined> => Promise.resolve(owners[`${type}/${id}`]);

describe('the sandbox FHIR server holds a patient token to its patient', () => {
  it('lets a token for patient A read A and search A\'s data', async () => {
    await expect(decide({ method: 'GET', url: 'Patient/a' }, patientA, patientOf)).resolves.toEqual({ url: 'Patient/a' });
    await expect(decide({ method: 'GET', url: 'Observation?patient=a&_count=200' }, patientA, patientOf)).resolves.toEqual({ url: 'Observation?patient=a&_count=200' });
    await expect(decide({ method: 'GET', url: 'Observation/obs-a' }, patientA, patientOf)).resolves.toEqual({ url: 'Observation/obs-a' });
  });

  it('refuses a token for patient A patient B\'s record, searches and resources', async () => {
    await expect(decide({ method: 'GET', url: 'Patient/b' }, patientA, patientOf)).resolves.toHaveProperty('refused');
    await expect(decide({ method: 'GET', url: 'Observation?patient=Patient/b' }, patientA, patientOf)).resolves.toHaveProperty('refused');
    await expect(decide({ method: 'GET', url: 'Observation/obs-b' }, patientA, patientOf)).resolves.toHaveProperty('refused');
  });

  it('narrows a search that names no patient to the token\'s patient', async () => {
    await expect(decide({ method: 'GET', url: 'Observation?code=1234-5' }, patientA, patientOf)).resolves.toEqual({ url: 'Observation?code=1234-5&patient=a' });
  });

  it('checks every entry of a batch, and the scope letters', async () => {
    const batch = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [{ request: { method: 'GET', url: 'Observation?patient=a' } }, { request: { method: 'GET', url: 'Condition?patient=a' } }],
    };
    const decision = await decide({ method: 'POST', url: '', body: batch }, patientA, patientOf);
    expect(decision.refused).toMatch(/entry\[1\]: no scope for Condition/);
  });

  it('lets writes through only for the token\'s patient and with a write scope', async () => {
    const subject = (patient: string): unknown => ({ resourceType: 'ResearchSubject', individual: { reference: `Patient/${patient}` } });
    await expect(decide({ method: 'PUT', url: 'ResearchSubject?identifier=x|y', body: subject('a') }, patientA, patientOf)).resolves.not.toHaveProperty('refused');
    await expect(decide({ method: 'PUT', url: 'ResearchSubject?identifier=x|y', body: subject('b') }, patientA, patientOf)).resolves.toHaveProperty('refused');
    await expect(decide({ method: 'POST', url: 'Observation', body: { resourceType: 'Observation', subject: { reference: 'Patient/a' } } }, patientA, patientOf)).resolves.toHaveProperty(
      'refused',
      'no scope for Observation (c)',
    );
  });
});
