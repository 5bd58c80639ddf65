import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readPatientBundles, SCREENING_RESOURCE_TYPES } from '../../src/input';
import { getTrial } from '../../src/mapping/compile';
import { screenResources } from '../../src/usecases/screen';
import { catalog, catalogIds, SHARED } from './screen-helpers';

const SAMPLES = path.join(SHARED, 'fhir-samples', 'synthea-r4');

describe('the Synthea samples nobody here wrote', () => {
  it('all screen for both trials without an error, and none comes out eligible', async () => {
    const files = readdirSync(SAMPLES).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(90);
    const trials = ['sle-cart', 'ssc-cart'].map((id) => getTrial(catalog, id));
    const reader = readPatientBundles(SAMPLES, { resourceTypes: SCREENING_RESOURCE_TYPES });
    const outcomes: Record<string, Record<string, number>> = { 'sle-cart': {}, 'ssc-cart': {} };
    let patients = 0;
    for await (const group of reader) {
      patients += 1;
      for (const trial of trials) {
        const report = screenResources(trial, group.resources, { asOf: '2026-06-15' });
        expect(report.criteria.map((c) => c.id)).toEqual(catalogIds(trial.id));
        const counts = outcomes[trial.id] as Record<string, number>;
        counts[report.outcome] = (counts[report.outcome] ?? 0) + 1;
        expect(report.outcome).not.toBe('eligible');
      }
    }
    expect(reader.errors).toEqual([]);
    expect(patients).toBe(files.length);
    // None has lupus or systemic sclerosis: the diagnosis criteria rule them out.
    expect(outcomes['sle-cart']?.ineligible).toBe(patients);
    expect(outcomes['ssc-cart']?.ineligible).toBe(patients);
  }, 120_000);
});
