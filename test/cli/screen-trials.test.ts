import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as normaliseModule from '../../src/record/normalise';
import { loadCatalog, getTrial } from '../../src/mapping/compile';
import { screenResources } from '../../src/usecases/screen';
import { groupResourcesByPatient } from '../../src/input';
import type { Bundle } from '@medplum/fhirtypes';
import { cli } from './run';

const EXAMPLES = path.resolve(__dirname, '../../examples');
const example = (name: string): string => path.join(EXAMPLES, `${name}.json`);
const DATES = ['--as-of', '2026-06-15', '--leukapheresis', '2026-07-01'];
const OPTIONS = { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' };
const catalog = loadCatalog();

function reportOf(trialId: string, name: string): unknown {
  const bundle = JSON.parse(readFileSync(example(name), 'utf8')) as Bundle;
  const [patient] = groupResourcesByPatient(bundle).patients;
  if (!patient) throw new Error(`${name} holds no patient`);
  return screenResources(getTrial(catalog, trialId), patient, OPTIONS);
}

afterEach(() => jest.restoreAllMocks());

describe('eligo screen for several trials', () => {
  it('keeps one trial\'s JSON exactly as it was: the report alone, pretty-printed', async () => {
    const run = await cli('screen', '--trial', 'sle-cart', '--bundle', example('sle-eligible'), ...DATES);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${JSON.stringify(reportOf('sle-cart', 'sle-eligible'), null, 2)}\n`);
  });

  it('prints one report per trial, in the order named, each the same as screening that trial alone', async () => {
    const run = await cli('screen', '--trial', 'ssc-cart', '--trial', 'sle-cart', '--bundle', example('sle-eligible'), ...DATES);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(JSON.parse(JSON.stringify([reportOf('ssc-cart', 'sle-eligible'), reportOf('sle-cart', 'sle-eligible')])));
  });

  it('"all" screens every trial of the catalog for each patient, reading and normalising each patient once', async () => {
    const normalise = jest.spyOn(normaliseModule, 'normalise');
    const run = await cli('screen', '--trial', 'all', '--bundle', EXAMPLES, '--format', 'ndjson', ...DATES);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as { trial: string; patient: string });
    const trials = [...catalog.trials.keys()];
    expect(trials.length).toBeGreaterThan(1);
    expect(lines).toHaveLength(6 * trials.length);
    // Patient by patient, each patient's trials together in catalog order.
    for (let i = 0; i < lines.length; i += trials.length) {
      const group = lines.slice(i, i + trials.length);
      expect(group.map((l) => l.trial)).toEqual(trials);
      expect(new Set(group.map((l) => l.patient)).size).toBe(1);
    }
    expect(normalise).toHaveBeenCalledTimes(6);
  });

  it('renders each report in text with its own trial\'s criterion wording', async () => {
    const run = await cli('screen', '--trial', 'all', '--bundle', example('ssc-ineligible'), '--format', 'text', ...DATES);
    expect(run.code).toBe(0);
    for (const trial of catalog.trials.values()) {
      const first = trial.criteria.find((c) => c.text);
      if (first?.text) expect(run.stdout).toContain(first.text);
    }
  });

  it.each([
    [['--trial', 'all', '--trial', 'sle-cart'], /"all" already names every trial/],
    [['--trial', 'sle-cart', '--trial', 'nope'], /unknown trial "nope"/],
    [['--trial', ''], /--trial is required/],
  ])('refuses %j with exit 2 and prints no report', async (trialArgs, message) => {
    const run = await cli('screen', ...trialArgs, '--bundle', example('sle-eligible'), ...DATES);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe('');
  });

  it('names a trial twice and screens it once', async () => {
    const run = await cli('screen', '--trial', 'sle-cart', '--trial', 'sle-cart', '--bundle', example('sle-eligible'), '--format', 'ndjson', ...DATES);
    expect(run.stdout.trim().split('\n')).toHaveLength(1);
  });
});
