import { readFileSync } from 'node:fs';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { isEligoError } from '../../src/errors/eligo-error';
import { createFhirSource } from '../../src/fhir';
import { SCREENING_RESOURCE_TYPES, screeningTypesFor } from '../../src/input/resource-types';
import { getTrial, loadCatalog } from '../../src/mapping/compile';
import { startServer } from '../server/support';
import type { TestServer } from '../server/support';

const SYNTHEA = '/work/shared/fhir-samples/synthea-r4/Fletcher_Hyatt_fe0562b5-f517-4951-8366-32fdab088930.json';
const bundle = JSON.parse(readFileSync(SYNTHEA, 'utf8')) as Bundle;

function screeningCounts(resources: readonly Resource[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) if (SCREENING_RESOURCE_TYPES.includes(r.resourceType)) counts[r.resourceType] = (counts[r.resourceType] ?? 0) + 1;
  return counts;
}

const fileCounts = screeningCounts((bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])));

async function serverWithSynthea(options: { batch?: boolean } = {}): Promise<{ t: TestServer; patientId: string }> {
  const t = await startServer(options);
  const loaded = await t.server.load(structuredClone(bundle));
  const patientUrn = bundle.entry?.find((e) => e.resource?.resourceType === 'Patient')?.fullUrl ?? '';
  return { t, patientId: (loaded.references[patientUrn] ?? '').split('/')[1] ?? '' };
}

describe('reading one patient from a FHIR server', () => {
  let withBatch: { t: TestServer; patientId: string };
  let withoutBatch: { t: TestServer; patientId: string };
  beforeAll(async () => {
    withBatch = await serverWithSynthea();
    withoutBatch = await serverWithSynthea({ batch: false });
  });
  afterAll(async () => {
    await withBatch.t.running.close();
    await withoutBatch.t.running.close();
  });

  it('returns a Synthea patient with the same resource counts as the file, in one batch plus next pages', async () => {
    const source = createFhirSource({ baseUrl: withBatch.t.base, pageSize: 200 });
    const fetched = await source.fetchPatientResources(withBatch.patientId);
    expect(screeningCounts(fetched.resources)).toEqual(fileCounts);
    expect(fetched.resources[0]).toMatchObject({ resourceType: 'Patient', id: withBatch.patientId });
    expect(fetched.patientId).toBe(withBatch.patientId);
    expect(fetched.warnings).toEqual([]);
    // One batch for the Patient and the thirteen searches (127 Encounters among them), one next page for 351 Observations at 200 a page.
    expect(fileCounts.Observation).toBe(351);
    expect(fetched.roundTrips).toBe(2);
  });

  it('loses nothing when the server pages two at a time', async () => {
    const source = createFhirSource({ baseUrl: withBatch.t.base, pageSize: 2 });
    const fetched = await source.fetchPatientResources(withBatch.patientId);
    expect(screeningCounts(fetched.resources)).toEqual(fileCounts);
    expect(new Set(fetched.resources.map((r) => `${r.resourceType}/${r.id}`)).size).toBe(fetched.resources.length);
  });

  it('searches type by type when the server has no batch, with the same result', async () => {
    const source = createFhirSource({ baseUrl: withoutBatch.t.base, pageSize: 200 });
    const fetched = await source.fetchPatientResources(withoutBatch.patientId);
    expect(screeningCounts(fetched.resources)).toEqual(fileCounts);
    // The Patient read, thirteen searches, one more Observation page (the CapabilityStatement is counted once, before).
    expect(fetched.roundTrips).toBe(15);
  });

  it('searches only the types the screened trials read: no Encounter pages for a trial that reads no stays', async () => {
    const source = createFhirSource({ baseUrl: withoutBatch.t.base, pageSize: 200 });
    const fetched = await source.fetchPatientResources(withoutBatch.patientId, { types: screeningTypesFor([getTrial(loadCatalog(), 'sle-cart')]) });
    expect(fetched.resources.some((r) => r.resourceType === 'Encounter')).toBe(false);
    expect(screeningCounts(fetched.resources)).toEqual(Object.fromEntries(Object.entries(fileCounts).filter(([type]) => type !== 'Encounter')));
    // The Patient read, ten searches, one more Observation page.
    expect(fetched.roundTrips).toBe(12);
  });

  it('reads the CapabilityStatement once per server', async () => {
    const first = createFhirSource({ baseUrl: withBatch.t.base });
    await first.capabilities();
    const second = createFhirSource({ baseUrl: withBatch.t.base });
    await second.capabilities();
    expect(second.roundTrips).toBe(0);
  });

  it('reports a patient the server does not have as ERR_PATIENT_NOT_FOUND', async () => {
    for (const t of [withBatch.t, withoutBatch.t]) {
      const error: unknown = await createFhirSource({ baseUrl: t.base }).fetchPatientResources('nobody-here').catch((e: unknown) => e);
      expect(isEligoError(error, 'ERR_PATIENT_NOT_FOUND')).toBe(true);
      expect((error as Error).message).toContain(t.base);
    }
  });

  it('refuses a patient id that is not a FHIR id before sending anything', async () => {
    const source = createFhirSource({ baseUrl: withBatch.t.base });
    const error: unknown = await source.fetchPatientResources('x&_count=1').catch((e: unknown) => e);
    expect(isEligoError(error, 'ERR_ARGUMENT_INVALID')).toBe(true);
  });
});

describe('medications and research subjects of a patient', () => {
  const seed: Resource[] = [
    { resourceType: 'Patient', id: 'pm' },
    { resourceType: 'Medication', id: 'med-a', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '5640' }] } },
    { resourceType: 'Medication', id: 'med-unrelated' },
    { resourceType: 'MedicationRequest', id: 'mr-a', status: 'active', intent: 'order', medicationReference: { reference: 'Medication/med-a' }, subject: { reference: 'Patient/pm' } },
    { resourceType: 'MedicationStatement', id: 'ms-b', status: 'active', medicationReference: { reference: 'Medication/med-gone' }, subject: { reference: 'Patient/pm' } },
    {
      resourceType: 'MedicationAdministration',
      id: 'ma-c',
      status: 'completed',
      contained: [{ resourceType: 'Medication', id: 'c', code: { text: 'rituximab' } }],
      medicationReference: { reference: '#c' },
      subject: { reference: 'Patient/pm' },
      effectiveDateTime: '2024-01-01',
    },
    { resourceType: 'ResearchStudy', id: 'other-study', status: 'active' },
    { resourceType: 'ResearchSubject', id: 'rsub', status: 'on-study', study: { reference: 'ResearchStudy/other-study' }, individual: { reference: 'Patient/pm' } },
  ] as Resource[];

  it.each([true, false])('fetches referenced Medications it did not get and names the missing ones (batch: %s)', async (batch) => {
    const t = await startServer({ batch });
    try {
      await t.server.load(seed);
      const fetched = await createFhirSource({ baseUrl: t.base }).fetchPatientResources('pm');
      const refs = fetched.resources.map((r) => `${r.resourceType}/${r.id}`).sort();
      expect(refs).toEqual(['MedicationAdministration/ma-c', 'MedicationRequest/mr-a', 'MedicationStatement/ms-b', 'Medication/med-a', 'Patient/pm', 'ResearchSubject/rsub'].sort());
      expect(fetched.warnings).toEqual([{ where: 'Medication/med-gone', message: 'referenced but not on the server' }]);
    } finally {
      await t.running.close();
    }
  });
});
