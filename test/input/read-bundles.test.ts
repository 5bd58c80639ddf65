import { chmodSync, mkdtempSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isEligoError } from '../../src/errors/eligo-error';
import { readPatientBundles, type PatientResources } from '../../src/input';
import { normalise } from '../../src/record/normalise';

const FIXTURES = join(__dirname, '../fixtures/record');

async function readAll(paths: string | string[], options = {}) {
  const reader = readPatientBundles(paths, options);
  const patients: PatientResources[] = [];
  for await (const patient of reader) patients.push(patient);
  return { patients, errors: reader.errors };
}

function idsOf(patient: PatientResources | undefined): string[] {
  return (patient?.resources ?? []).map((r) => `${r.resourceType}/${r.id ?? ''}`);
}

describe('readPatientBundles on Bundle files', () => {
  it('reads a collection Bundle, rewrites urn:uuid references to Type/id and names the file as source', async () => {
    const file = join(FIXTURES, 'lab-results.bundle.json');
    const { patients, errors } = await readAll(file);
    expect(errors).toEqual([]);
    expect(patients).toHaveLength(1);
    const patient = patients[0] as PatientResources;
    expect(patient.patientId).toBe('lab-patient');
    expect(patient.source).toBe(file);
    expect(idsOf(patient)).not.toContain('Organization/lab');
    const report = patient.resources.find((r) => r.resourceType === 'DiagnosticReport') as unknown as { subject: { reference: string }; result: { reference: string }[] };
    expect(report.subject.reference).toBe('Patient/lab-patient');
    expect(report.result[0]?.reference).toBe('Observation/creatinine');
    const record = normalise(patient.resources);
    expect(record.warnings).toEqual([]);
    // Canonical order (type, then dates and codes, then content, then id), not the file's: see src/record/canonical-order.ts.
    expect(record.observations.map((o) => o.reference)).toEqual([
      'DiagnosticReport/kidney-biopsy',
      'Observation/ana-titer',
      'Observation/dsdna-string',
      'Observation/bp',
      'Observation/bp',
      'Observation/creatinine',
    ]);
    expect(record.ignored.map((i) => `${i.reference}: ${i.reason}`)).toEqual(['Condition/refuted-hiv: verificationStatus refuted', 'Observation/hcg-preliminary: status preliminary']);
  });

  it('gives a transaction Bundle entry without id the uuid of its fullUrl', async () => {
    const { patients } = await readAll(join(FIXTURES, 'medications.transaction.json'));
    expect(patients.map((p) => p.patientId)).toEqual(['9a1b2c3d-0000-4000-8000-000000000001']);
    expect(idsOf(patients[0])).toEqual([
      'Patient/9a1b2c3d-0000-4000-8000-000000000001',
      'MedicationRequest/rtx-order',
      'MedicationStatement/mmf-taking',
      'MedicationAdministration/rtx-infusion',
      'Medication/rituximab-vial',
    ]);
  });

  it('splits a searchset Bundle with two patients, following absolute and versioned references', async () => {
    const { patients, errors } = await readAll(join(FIXTURES, 'two-patients.searchset.json'));
    expect(errors).toEqual([]);
    expect(patients.map((p) => [p.patientId, idsOf(p)])).toEqual([
      ['a1', ['Patient/a1', 'Observation/o1']],
      ['b2', ['Patient/b2', 'Observation/o2', 'ResearchSubject/rs1']],
    ]);
    const b2 = normalise((patients[1] as PatientResources).resources);
    expect(b2.researchSubjects).toMatchObject([{ status: 'screening', studyReference: 'ResearchStudy/sle-cart' }]);
  });

  it('keeps only the asked-for resource types', async () => {
    const { patients } = await readAll(join(FIXTURES, 'two-patients.searchset.json'), { resourceTypes: ['Patient', 'Observation'] });
    expect(patients.map(idsOf)).toEqual([['Patient/a1', 'Observation/o1'], ['Patient/b2', 'Observation/o2']]);
  });

  it('reads a folder of Bundles in name order and several paths at once', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'eligo-bundles-'));
    try {
      copyFileSync(join(FIXTURES, 'two-patients.searchset.json'), join(folder, 'b.json'));
      copyFileSync(join(FIXTURES, 'lab-results.bundle.json'), join(folder, 'a.json'));
      writeFileSync(join(folder, 'notes.txt'), 'not input');
      const { patients, errors } = await readAll([folder, join(FIXTURES, 'medications.transaction.json')]);
      expect(errors).toEqual([]);
      expect(patients.map((p) => p.patientId)).toEqual(['lab-patient', 'a1', 'b2', '9a1b2c3d-0000-4000-8000-000000000001']);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('reports a patient found in two Bundle files, naming both', async () => {
    const file = join(FIXTURES, 'two-patients.searchset.json');
    const folder = mkdtempSync(join(tmpdir(), 'eligo-split-'));
    try {
      copyFileSync(file, join(folder, 'page2.json'));
      const { patients, errors } = await readAll([file, join(folder, 'page2.json')]);
      expect(patients).toHaveLength(4);
      expect(errors).toEqual([
        { file: join(folder, 'page2.json'), message: expect.stringContaining(`Patient/a1 was also read from ${file}`) },
        { file: join(folder, 'page2.json'), message: expect.stringContaining(`Patient/b2 was also read from ${file}`) },
      ]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('readPatientBundles on bad input', () => {
  it('names each file that is not JSON, not FHIR, not a Bundle or a Bundle type it does not read, and goes on', async () => {
    const bad = join(FIXTURES, 'bad');
    const { patients, errors } = await readAll([bad, join(FIXTURES, 'two-patients.searchset.json')]);
    expect(patients.map((p) => p.patientId)).toEqual(['a1', 'b2']);
    expect(errors).toEqual([
      { file: join(bad, 'a-patient-not-a-bundle.json'), message: 'a Patient resource, not a Bundle' },
      { file: join(bad, 'history.json'), message: expect.stringContaining('Bundle type history is not read') },
      { file: join(bad, 'not-fhir.json'), message: 'not a FHIR resource (no resourceType)' },
      { file: join(bad, 'truncated.json'), message: expect.stringMatching(/^not JSON \(/) },
    ]);
  });

  it('reads a Bundle file that starts with a UTF-8 byte order mark, and non-ASCII text in it as written', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'eligo-bom-'));
    const file = join(folder, 'bom.json');
    try {
      const bundle = {
        resourceType: 'Bundle',
        type: 'collection',
        entry: [
          { resource: { resourceType: 'Patient', id: 'p1' } },
          { resource: { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text: 'Sjögren-Syndrom – Überlappung' } } },
        ],
      };
      writeFileSync(file, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(bundle), 'utf8')]));
      const { patients, errors } = await readAll(file);
      expect(errors).toEqual([]);
      expect(idsOf(patients[0])).toEqual(['Patient/p1', 'Condition/c1']);
      expect(normalise(patients[0]?.resources ?? []).conditions[0]?.code.text).toBe('Sjögren-Syndrom – Überlappung');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('names an unreadable file', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'eligo-unreadable-'));
    const file = join(folder, 'locked.json');
    try {
      writeFileSync(file, '{}');
      chmodSync(file, 0o000);
      const { errors } = await readAll(folder);
      // root reads the file regardless of permissions, and then finds it is not FHIR.
      const expected = process.getuid?.() === 0 ? 'not a FHIR resource (no resourceType)' : 'could not be read (EACCES)';
      expect(errors).toEqual([{ file, message: expected }]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('says so when a folder holds no input files', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'eligo-empty-'));
    try {
      const { patients, errors } = await readAll(folder);
      expect(patients).toEqual([]);
      expect(errors).toEqual([{ file: folder, message: 'no .json or .ndjson files in this folder' }]);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('throws ERR_INPUT_UNREADABLE naming a top-level path that does not exist', async () => {
    const missing = join(tmpdir(), 'eligo-does-not-exist', 'bundle.json');
    const failure = await readAll(missing).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isEligoError(failure, 'ERR_INPUT_UNREADABLE')).toBe(true);
    expect(failure).toMatchObject({ where: missing, message: expect.stringContaining(missing) });
  });
});
