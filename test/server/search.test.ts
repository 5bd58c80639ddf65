import { condition, observation, patient, startServer } from './support';
import type { Json, TestServer } from './support';

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
  await t.server.load([
    patient('p1'),
    patient('p2'),
    patient('p3'),
    ...Array.from({ length: 7 }, (_, i) => observation(`o1-${i}`, 'p1', i % 2 ? '2160-0' : '718-7', `2024-0${i + 1}-15`)),
    observation('o2-0', 'p2', '718-7', '2024-02-01'),
    condition('c1', 'p1', 'http://hl7.org/fhir/sid/icd-10-cm', 'M32.14'),
    condition('c2', 'p2', 'http://hl7.org/fhir/sid/icd-10-cm', 'M34.0'),
    condition('c3', 'p3', 'http://snomed.info/sct', '55464009'),
    { resourceType: 'ResearchStudy', id: 'rs1', status: 'active' },
    { resourceType: 'ResearchSubject', id: 'sub1', status: 'on-study', study: { reference: 'ResearchStudy/rs1' }, individual: { reference: 'Patient/p2' } },
    { resourceType: 'Medication', id: 'med1', code: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '5640' }] } },
    {
      resourceType: 'MedicationRequest',
      id: 'mr1',
      status: 'active',
      intent: 'order',
      medicationReference: { reference: 'Medication/med1' },
      subject: { reference: 'Patient/p1' },
    },
    { resourceType: 'Provenance', id: 'prov1', target: [{ reference: 'MedicationRequest/mr1' }], recorded: '2024-01-01T00:00:00Z', agent: [{ who: { display: 'x' } }] },
  ]);
});
afterAll(() => t.running.close());

const ids = (bundle: Json): string[] => (bundle.entry ?? []).map((e: Json) => `${e.resource.resourceType}/${e.resource.id}`);

describe('embedded FHIR server: search', () => {
  it('finds a patient\'s observations by bare id, by Type/id and by subject:Patient', async () => {
    for (const query of ['patient=p1', 'patient=Patient/p1', 'subject:Patient=p1', 'subject=p1']) {
      const { status, body } = await t.call('GET', `Observation?${query}&_count=100`);
      expect(status).toBe(200);
      expect(body.total).toBe(7);
      expect(body.entry[0].fullUrl).toBe(`${t.base}/Observation/o1-0`);
    }
  });

  it('pages with _count and loses nothing following link[next] as given', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${t.base}/Observation?patient=p1&_count=2`;
    let pages = 0;
    while (url) {
      const { body } = await t.call('GET', url);
      seen.push(...ids(body));
      url = body.link.find((l: Json) => l.relation === 'next')?.url;
      pages++;
    }
    expect(pages).toBe(4);
    expect(seen.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `Observation/o1-${i}`).sort());
  });

  it('searches ResearchSubject by individual and by its patient alias', async () => {
    expect(ids((await t.call('GET', 'ResearchSubject?individual=p2')).body)).toEqual(['ResearchSubject/sub1']);
    expect(ids((await t.call('GET', 'ResearchSubject?patient=Patient/p2')).body)).toEqual(['ResearchSubject/sub1']);
    expect((await t.call('GET', 'ResearchSubject?individual=p1')).body.total).toBe(0);
  });

  it('searches Condition by system|code and by code:below for ICD-10-CM, and refuses :below where it cannot know the hierarchy', async () => {
    expect(ids((await t.call('GET', 'Condition?code=http://hl7.org/fhir/sid/icd-10-cm|M32.14')).body)).toEqual(['Condition/c1']);
    expect(ids((await t.call('GET', 'Condition?code=http://hl7.org/fhir/sid/icd-10-cm|M32.14,http://snomed.info/sct|55464009')).body)).toEqual([
      'Condition/c1',
      'Condition/c3',
    ]);
    expect(ids((await t.call('GET', 'Condition?code:below=http://hl7.org/fhir/sid/icd-10-cm|M32')).body)).toEqual(['Condition/c1']);
    const refused = await t.call('GET', 'Condition?code:below=http://snomed.info/sct|55464009');
    expect(refused.status).toBe(400);
    expect(refused.body.issue[0].code).toBe('not-supported');
  });

  it('finds several patients by _id and reads one by id', async () => {
    expect(ids((await t.call('GET', 'Patient?_id=p1,p3')).body)).toEqual(['Patient/p1', 'Patient/p3']);
    expect((await t.call('GET', 'Patient/p2')).body.id).toBe('p2');
    expect((await t.call('GET', 'Medication/med1')).body.id).toBe('med1');
  });

  it('filters dates by prefix and sorts', async () => {
    const { body } = await t.call('GET', 'Observation?patient=p1&date=ge2024-05&_sort=-date');
    expect(ids(body)).toEqual(['Observation/o1-6', 'Observation/o1-5', 'Observation/o1-4']);
    expect((await t.call('GET', 'Observation?patient=p1&date=2024-03')).body.total).toBe(1);
  });

  it('adds _include and _revinclude resources marked as include', async () => {
    const { body } = await t.call('GET', 'MedicationRequest?patient=p1&_include=MedicationRequest:medication&_revinclude=Provenance:target');
    expect(ids(body)).toEqual(['MedicationRequest/mr1', 'Medication/med1', 'Provenance/prov1']);
    expect(body.entry.map((e: Json) => e.search.mode)).toEqual(['match', 'include', 'include']);
    expect(body.total).toBe(1);
  });

  it('refuses parameters it cannot answer instead of returning an empty Bundle', async () => {
    for (const query of ['Observation?nonsense=1', 'Observation?subject.name=x', 'Observation?value-quantity=gt5', 'Observation?date=notadate']) {
      const { status, body } = await t.call('GET', query);
      expect([query, status]).toEqual([query, 400]);
      expect(body.resourceType).toBe('OperationOutcome');
    }
  });

  it('answers a batch of searches and reads entry by entry', async () => {
    const { status, body } = await t.call('POST', '', {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'Patient/p1' } },
        { request: { method: 'GET', url: 'Observation?patient=p1&_count=3' } },
        { request: { method: 'GET', url: 'Patient/nobody' } },
      ],
    });
    expect(status).toBe(200);
    expect(body.type).toBe('batch-response');
    expect(body.entry.map((e: Json) => e.response.status)).toEqual(['200', '200', '404']);
    expect(body.entry[1].resource.total).toBe(7);
    expect(body.entry[1].resource.link.find((l: Json) => l.relation === 'next').url).toContain(`${t.base}/Observation?`);
  });
});
