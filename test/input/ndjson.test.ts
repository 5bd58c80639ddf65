import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPatientBundles, SCREENING_RESOURCE_TYPES, type PatientResources, type ReadOptions } from '../../src/input';
import { normalise } from '../../src/record/normalise';

const NDJSON = join(__dirname, '../fixtures/record/ndjson');

async function readAll(paths: string | string[], options: ReadOptions = {}) {
  const reader = readPatientBundles(paths, options);
  const patients: PatientResources[] = [];
  for await (const patient of reader) patients.push(patient);
  return { patients, errors: reader.errors };
}

function idsOf(patient: PatientResources): string[] {
  return patient.resources.map((r) => `${r.resourceType}/${r.id ?? ''}`);
}

describe('readPatientBundles on Bulk Data NDJSON', () => {
  it('groups the lines of every file by patient, attaches referenced Medications and reports a broken line by file and line', async () => {
    const { patients, errors } = await readAll(NDJSON, { resourceTypes: SCREENING_RESOURCE_TYPES });
    expect(errors).toEqual([{ file: join(NDJSON, 'Observation.ndjson'), location: 'line 4', message: expect.stringMatching(/^not JSON/) }]);
    const byId = new Map(patients.map((p) => [p.patientId, idsOf(p)]));
    expect([...byId.keys()].sort()).toEqual(['n1', 'n2', 'n3']);
    expect(byId.get('n1')).toEqual(['Observation/n1-hb', 'Observation/n1-plt', 'Patient/n1']);
    expect(byId.get('n2')).toEqual(['MedicationRequest/n2-hcq', 'Observation/n2-hb', 'Patient/n2', 'Medication/hcq-tab']);
    expect(byId.get('n3')).toEqual(['Observation/n3-ana', 'Patient/n3']);
    expect(patients[0]?.source).toBe(`${NDJSON} (NDJSON)`);
  });

  it('gives normalise what it needs: the Medication resolves and the titer string is read', async () => {
    const { patients } = await readAll(NDJSON, { resourceTypes: SCREENING_RESOURCE_TYPES });
    const n2 = normalise((patients.find((p) => p.patientId === 'n2') as PatientResources).resources);
    expect(n2.medications).toMatchObject([{ ingredientConcepts: [{ codings: [{ code: '5521' }] }], start: '2024-03-01', end: '2024-05-30', intervalBasis: 'expectedSupplyDuration' }]);
    const n3 = normalise((patients.find((p) => p.patientId === 'n3') as PatientResources).resources);
    expect(n3.observations[0]?.value).toEqual({ kind: 'ratio', numerator: 1, denominator: 160 });
  });

  it('reads types outside the filter only when no filter is given', async () => {
    const filtered = await readAll(NDJSON, { resourceTypes: SCREENING_RESOURCE_TYPES });
    expect(filtered.patients.flatMap(idsOf)).not.toContain('Claim/c1');
    const everything = await readAll(NDJSON);
    expect(everything.patients.flatMap(idsOf)).toContain('Claim/c1');
  });

  it('reads a mix of a Bundle file and NDJSON files', async () => {
    const bundle = join(__dirname, '../fixtures/record/two-patients.searchset.json');
    const { patients } = await readAll([bundle, join(NDJSON, 'Patient.ndjson'), join(NDJSON, 'Observation.ndjson')]);
    expect(patients.map((p) => p.patientId)).toEqual(['a1', 'b2', 'n1', 'n2', 'n3']);
    expect(patients[2]?.source).toBe(`${NDJSON} (NDJSON)`);
  });
});

describe('readPatientBundles on a large NDJSON export', () => {
  const PATIENTS = 400;
  let folder: string;

  beforeAll(() => {
    folder = mkdtempSync(join(tmpdir(), 'eligo-ndjson-'));
    const patients: string[] = [];
    const observations: string[] = [];
    const conditions: string[] = [];
    for (let i = 0; i < PATIENTS; i++) patients.push(JSON.stringify({ resourceType: 'Patient', id: `p${i}`, birthDate: '1990-01-01' }));
    // Interleaved as a server might write them: observations of all patients, round after round.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < PATIENTS; i++) {
        observations.push(
          JSON.stringify({
            resourceType: 'Observation',
            id: `p${i}-o${round}`,
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
            subject: { reference: `Patient/p${i}` },
            effectiveDateTime: `2024-0${round + 1}-01`,
            valueQuantity: { value: 10 + round, unit: 'g/dL' },
          }),
        );
      }
    }
    for (let i = PATIENTS - 1; i >= 0; i -= 2) conditions.push(JSON.stringify({ resourceType: 'Condition', id: `p${i}-c`, code: { text: 'SLE' }, subject: { reference: `Patient/p${i}` } }));
    writeFileSync(join(folder, 'Patient.ndjson'), patients.join('\n') + '\n');
    writeFileSync(join(folder, 'Observation.ndjson'), observations.join('\n'));
    writeFileSync(join(folder, 'Condition.ndjson'), conditions.join('\n') + '\n');
  });

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('assembles every patient completely even when memory allows only a few patients per batch', async () => {
    const { patients, errors } = await readAll(folder, { batchBytes: 4096 });
    expect(errors).toEqual([]);
    expect(patients).toHaveLength(PATIENTS);
    expect(new Set(patients.map((p) => p.patientId)).size).toBe(PATIENTS);
    for (const patient of patients) {
      const n = Number(patient.patientId.slice(1));
      const expected = [`Condition/p${n}-c`, `Observation/p${n}-o0`, `Observation/p${n}-o1`, `Observation/p${n}-o2`, `Patient/p${n}`].filter(
        (id) => !(id.startsWith('Condition') && n % 2 === 0),
      );
      expect(idsOf(patient).sort()).toEqual(expected);
    }
  });

  it('gives the same groups whatever the batch size', async () => {
    const small = await readAll(folder, { batchBytes: 1 });
    const large = await readAll(folder);
    expect(small.patients.map((p) => [p.patientId, idsOf(p)])).toEqual(large.patients.map((p) => [p.patientId, idsOf(p)]));
  });

  it('can be stopped early and read again', async () => {
    const reader = readPatientBundles(folder, { batchBytes: 4096 });
    let seen = 0;
    for await (const patient of reader) {
      expect(patient.resources.length).toBeGreaterThan(0);
      if (++seen === 5) break;
    }
    expect(seen).toBe(5);
    let again = 0;
    for await (const _patient of reader) again++;
    expect(again).toBe(PATIENTS);
  });

  it('reports at most 20 broken lines per file, then how many more', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'eligo-broken-'));
    try {
      const lines = Array.from({ length: 30 }, (_, i) => `{"resourceType":"Observation","id":"x${i}",`);
      lines.push(JSON.stringify({ resourceType: 'Patient', id: 'ok' }));
      writeFileSync(join(broken, 'mixed.ndjson'), lines.join('\n'));
      const { patients, errors } = await readAll(broken);
      expect(patients.map((p) => p.patientId)).toEqual(['ok']);
      expect(errors).toHaveLength(21);
      expect(errors[0]).toMatchObject({ file: join(broken, 'mixed.ndjson'), location: 'line 1' });
      expect(errors[20]).toEqual({ file: join(broken, 'mixed.ndjson'), message: '10 more lines could not be read' });
    } finally {
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
