import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readPatientBundles, SCREENING_RESOURCE_TYPES } from '../../src/input';
import { normalise } from '../../src/record/normalise';

const SYNTHEA = '/work/shared/fhir-samples/synthea-r4';

describe('the Synthea sample Bundles', () => {
  it('all load and normalise without errors or warnings', async () => {
    const files = readdirSync(SYNTHEA).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(90);
    const reader = readPatientBundles(SYNTHEA, { resourceTypes: SCREENING_RESOURCE_TYPES });
    const sources = new Set<string>();
    let observations = 0;
    let medications = 0;
    for await (const patient of reader) {
      const record = normalise(patient.resources);
      sources.add(patient.source);
      expect(record.patientId).toBe(patient.patientId);
      expect(record.birthDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(record.warnings).toEqual([]);
      observations += record.observations.length;
      medications += record.medications.length;
    }
    expect(reader.errors).toEqual([]);
    expect([...sources].sort()).toEqual(files.map((f) => join(SYNTHEA, f)).sort());
    expect(observations).toBeGreaterThan(10_000);
    expect(medications).toBeGreaterThan(500);
  });
});
