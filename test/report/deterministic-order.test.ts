import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { groupResourcesByPatient } from '../../src/input';
import { getTrial, loadCatalog } from '../../src/mapping/compile';
import { screenResources } from '../../src/usecases/screen';

const catalog = loadCatalog();
const EXAMPLES = path.resolve(__dirname, '../../examples');

function resourcesOf(name: string): Resource[] {
  const bundle = JSON.parse(readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8')) as Bundle;
  const { patients } = groupResourcesByPatient(bundle, { source: name });
  return (patients[0] as { resources: Resource[] }).resources;
}

/** mulberry32: a fixed seed, so a failure names the same order on every run. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** The screen with some data problems added, so warnings come from several resources. */
function withDataProblems(resources: readonly Resource[]): Resource[] {
  return [
    ...resources,
    { resourceType: 'Observation', id: 'zz-other', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/someone-else' } },
    { resourceType: 'Observation', id: 'aa-other', status: 'final', code: { text: 'y' }, subject: { reference: 'Patient/another' } },
  ] as Resource[];
}

describe.each([
  ['sle-cart', 'sle'],
  ['ssc-cart', 'ssc'],
])('%s reports do not depend on the order the resources came in', (trialId, prefix) => {
  it.each(['eligible', 'ineligible', 'potential-candidate'])(`${prefix}-%s: original, reversed and shuffled give byte-identical JSON`, (kind) => {
    const trial = getTrial(catalog, trialId);
    const original = withDataProblems(resourcesOf(`${prefix}-${kind}`));
    const screen = (resources: Resource[]): string =>
      JSON.stringify(screenResources(trial, resources, { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' }), null, 2);
    const expected = screen(original);
    expect(screen([...original].reverse())).toBe(expected);
    for (const seed of [1, 42, 20260615]) expect(screen(shuffled(original, seed))).toBe(expected);
  });
});
