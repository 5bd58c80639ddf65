import type { Observation } from '@medplum/fhirtypes';
import { observation, patient, startServer } from './support';
import type { Json, TestServer } from './support';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

let t: TestServer;
beforeAll(async () => {
  t = await startServer();
  await t.server.load([
    patient('p1', { gender: 'female', birthDate: '1980-02-03', maritalStatus: { text: 'married' }, communication: [{ language: { text: 'en' } }] }),
    { ...(observation('o-jan', 'p1', '718-7', '2024-01-10') as Observation), note: [{ text: 'haemolysed' }], interpretation: [{ text: 'low' }] },
    observation('o-mar', 'p1', '718-7', '2024-03-10'),
    observation('o-feb', 'p1', '2160-0', '2024-02-10'),
    {
      resourceType: 'Observation',
      id: 'o-ongoing',
      status: 'final',
      code: { text: 'monitoring' },
      subject: { reference: 'Patient/p1' },
      effectivePeriod: { start: '2023-06-01' },
    },
  ]);
});
afterAll(() => t.running.close());

const ids = (bundle: Json): string[] => (bundle.entry ?? []).map((e: Json) => e.resource.id);
const keys = (resource: Json): string[] => Object.keys(resource).sort();

describe('embedded FHIR server: _summary', () => {
  it('answers _summary=true with the summary elements only, tagged SUBSETTED', async () => {
    const { status, body } = await t.call('GET', 'Observation?_id=o-jan&_summary=true');
    expect(status).toBe(200);
    const resource = body.entry[0].resource;
    expect(keys(resource)).toEqual(['code', 'effectiveDateTime', 'id', 'meta', 'resourceType', 'status', 'subject', 'valueQuantity']);
    expect(resource.meta.tag).toContainEqual(expect.objectContaining(SUBSETTED));

    const pat = (await t.call('GET', 'Patient?_summary=true')).body.entry[0].resource;
    expect(pat).toMatchObject({ gender: 'female', birthDate: '1980-02-03', name: [{ family: 'Test' }] });
    expect(pat.maritalStatus).toBeUndefined();
    expect(pat.communication).toBeUndefined();
  });

  it('answers _summary=count with the total and no entries', async () => {
    const { status, body } = await t.call('GET', 'Observation?patient=p1&_summary=count');
    expect(status).toBe(200);
    expect(body.total).toBe(4);
    expect(body.entry).toBeUndefined();
  });

  it('answers _summary=data without the narrative and _summary=false with the whole resource', async () => {
    const withText = { ...(patient('p-text') as object), text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Pat</div>' } };
    expect((await t.call('PUT', 'Patient/p-text', withText)).status).toBe(201);
    const data = (await t.call('GET', 'Patient?_id=p-text&_summary=data')).body.entry[0].resource;
    expect(data.text).toBeUndefined();
    expect(data.name).toEqual([{ family: 'Test', given: ['Pat'] }]);
    expect(data.meta.tag).toContainEqual(expect.objectContaining(SUBSETTED));
    const text = (await t.call('GET', 'Patient?_id=p-text&_summary=text')).body.entry[0].resource;
    expect(keys(text)).toEqual(['id', 'meta', 'resourceType', 'text']);
    const whole = (await t.call('GET', 'Patient?_id=p-text&_summary=false')).body.entry[0].resource;
    expect(whole.text.status).toBe('generated');
    expect(whole.meta.tag).toBeUndefined();
  });

  it('keeps _summary on the next-page link', async () => {
    const first = (await t.call('GET', 'Observation?patient=p1&_summary=true&_count=2')).body;
    const next = first.link.find((l: Json) => l.relation === 'next').url as string;
    expect(next).toContain('_summary=true');
    const second = (await t.call('GET', next)).body;
    expect(second.entry).toHaveLength(2);
    for (const e of second.entry) expect(e.resource.meta.tag).toContainEqual(expect.objectContaining(SUBSETTED));
  });

  it('refuses a _summary value it does not know with a 400 naming _summary', async () => {
    const { status, body } = await t.call('GET', 'Observation?_summary=brief');
    expect(status).toBe(400);
    expect(body.resourceType).toBe('OperationOutcome');
    expect(body.issue[0].expression).toEqual(['_summary']);
    expect(body.issue[0].details.text).toContain('_summary');
  });
});

describe('embedded FHIR server: _elements', () => {
  it('answers _elements=id,code with those elements and the mandatory ones, tagged SUBSETTED', async () => {
    const { status, body } = await t.call('GET', 'Observation?patient=p1&_elements=id,code&_sort=date');
    expect(status).toBe(200);
    expect(ids(body)).toEqual(['o-ongoing', 'o-jan', 'o-feb', 'o-mar']);
    for (const e of body.entry) {
      // status is mandatory (1..1) in Observation: R4 says servers SHOULD return mandatory elements.
      expect(keys(e.resource)).toEqual(['code', 'id', 'meta', 'resourceType', 'status']);
      expect(e.resource.meta.tag).toContainEqual(expect.objectContaining(SUBSETTED));
    }
  });

  it('names a choice element by its base name and keeps the typed property', async () => {
    const resource = (await t.call('GET', 'Observation?_id=o-mar&_elements=value,effective')).body.entry[0].resource;
    expect(resource.valueQuantity).toEqual({ value: 1, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' });
    expect(resource.effectiveDateTime).toBe('2024-03-10');
    expect(resource.subject).toBeUndefined();
  });

  it('keeps _elements on the next-page link and leaves _include resources whole', async () => {
    const first = (await t.call('GET', 'Observation?patient=p1&_elements=code&_count=1&_include=Observation:subject')).body;
    const [match, included] = first.entry;
    expect(keys(match.resource)).toEqual(['code', 'id', 'meta', 'resourceType', 'status']);
    expect(included.search.mode).toBe('include');
    expect(included.resource).toMatchObject({ resourceType: 'Patient', gender: 'female' });
    expect(included.resource.meta.tag).toBeUndefined();
    const next = first.link.find((l: Json) => l.relation === 'next').url as string;
    expect(next).toContain('_elements=code');
    const second = (await t.call('GET', next)).body;
    expect(keys(second.entry[0].resource)).toEqual(['code', 'id', 'meta', 'resourceType', 'status']);
  });

  it('refuses unknown elements, nested paths and _elements with _summary, naming _elements', async () => {
    for (const query of ['Observation?_elements=id,nonsense', 'Observation?_elements=code.coding', 'Observation?_elements=code&_summary=true', 'Observation?_elements=']) {
      const { status, body } = await t.call('GET', query);
      expect([query, status]).toEqual([query, 400]);
      expect([query, body.issue[0].expression]).toEqual([query, ['_elements']]);
    }
  });
});

describe('embedded FHIR server: _sort', () => {
  it('sorts by -date, a Period still open counting as the latest', async () => {
    const { status, body } = await t.call('GET', 'Observation?patient=p1&_sort=-date');
    expect(status).toBe(200);
    expect(ids(body)).toEqual(['o-ongoing', 'o-mar', 'o-feb', 'o-jan']);
    expect(ids((await t.call('GET', 'Observation?patient=p1&_sort=date')).body)).toEqual(['o-ongoing', 'o-jan', 'o-feb', 'o-mar']);
  });

  it('sorts by _lastUpdated both ways, with a second rule for ties', async () => {
    const made = (await t.call('POST', 'Observation', observation('ignored', 'p2', '718-7', '2024-01-01'))).body;
    const other = (await t.call('POST', 'Observation', observation('ignored', 'p2', '718-7', '2024-01-02'))).body;
    // The update must get a later lastUpdated than `other` for the expected order to be the only right one.
    while (Date.now() <= Date.parse(other.meta.lastUpdated)) await new Promise((resolve) => setImmediate(resolve));
    expect((await t.call('PUT', `Observation/${made.id}`, { ...made, status: 'amended' })).status).toBe(200);
    expect(ids((await t.call('GET', 'Observation?patient=p2&_sort=_lastUpdated')).body)).toEqual([other.id, made.id]);
    expect(ids((await t.call('GET', 'Observation?patient=p2&_sort=-_lastUpdated,_id')).body)).toEqual([made.id, other.id]);
  });

  it('refuses to sort by a parameter it cannot order, naming _sort', async () => {
    for (const query of ['Observation?_sort=value-quantity', 'Observation?_sort=nonsense', 'Observation?_sort=']) {
      const { status, body } = await t.call('GET', query);
      expect([query, status]).toEqual([query, 400]);
      expect([query, body.issue[0].expression]).toEqual([query, ['_sort']]);
    }
  });

  it('says what it supports and what it refuses in the CapabilityStatement', async () => {
    const doc = (await t.call('GET', 'metadata')).body.rest[0].documentation as string;
    for (const word of ['_summary', '_elements', '_sort', '_has', 'chained']) expect(doc).toContain(word);
  });
});
