import { readdirSync } from 'node:fs';
import path from 'node:path';
import { readPatientBundles, SCREENING_RESOURCE_TYPES } from '../../src/input';
import { getTrial } from '../../src/mapping/compile';
import { normalise, normaliseOptionsOf } from '../../src/record/normalise';
import { screenRecord, screenResources, screenResourcesForTrials } from '../../src/usecases/screen';
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

  it('screen for the trials that read stays and family history, with their Encounters, and no FamilyMemberHistory is never "no family history"', async () => {
    const trials = ['dapa-hf', 'empa-kidney', 'surmount-1'].map((id) => getTrial(catalog, id));
    const reader = readPatientBundles(SAMPLES, { resourceTypes: SCREENING_RESOURCE_TYPES });
    const familyHistory: Record<string, number> = {};
    let stays = 0;
    for await (const group of reader) {
      stays += group.resources.filter((r) => r.resourceType === 'Encounter').length;
      const reports = screenResourcesForTrials(trials, group, { asOf: '2026-06-15' });
      for (const [i, report] of reports.entries()) expect(report.criteria.map((c) => c.id)).toEqual(trials[i]?.criteria.map((c) => c.id));
      const mtc = reports[2]?.criteria.find((c) => c.id === 's1.exc.mtc_men2')?.status ?? 'none';
      familyHistory[mtc] = (familyHistory[mtc] ?? 0) + 1;
    }
    expect(reader.errors).toEqual([]);
    expect(stays).toBeGreaterThan(2000);
    // Synthea writes no FamilyMemberHistory: the family history is never taken as clear.
    expect(familyHistory.met).toBeUndefined();
  }, 120_000);
});

describe('a record screened for several trials at once', () => {
  it('gives each trial, at each as-of date, the report it gets screened alone, whichever trial goes first', async () => {
    // The views every trial shares (analytes, exposures by class, facts by value set) are built
    // by whichever trial asks first and kept with the record: none may carry one trial's answer into another's.
    const trials = [...catalog.trials.values()];
    const dates = [{ asOf: '2026-06-15', leukapheresisDate: '2026-07-01' }, { asOf: '2014-03-01' }];
    const folders = [SAMPLES, path.join(__dirname, '../../examples')];
    for (const folder of folders) {
      for await (const group of readPatientBundles(folder, { resourceTypes: SCREENING_RESOURCE_TYPES })) {
        const shared = normalise(group.resources, normaliseOptionsOf(group));
        const together = dates.flatMap((options) => trials.map((trial) => screenRecord(trial, shared, options)));
        const alone = [...dates].reverse().flatMap((options) =>
          [...trials].reverse().map((trial) => screenRecord(trial, normalise(group.resources, normaliseOptionsOf(group)), options)),
        );
        expect(together).toEqual(alone.reverse());
      }
    }
  }, 120_000);
});
