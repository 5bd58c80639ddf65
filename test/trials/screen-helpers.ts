import { readFileSync } from 'node:fs';
import path from 'node:path';
import { groupResourcesByPatient } from '../../src/input';
import { loadCatalog, getTrial } from '../../src/mapping/compile';
import type { EligibilityReport } from '../../src/report/types';
import { screenResources } from '../../src/usecases/screen';
import type { Bundle } from '@medplum/fhirtypes';

export const catalog = loadCatalog();
export const EXAMPLES = path.resolve(__dirname, '../../examples');
export const SHARED = path.resolve(__dirname, '../../../shared');

/** Criterion ids as the contract lists them, read from ../shared/trials/<trial>.md. */
export function catalogIds(trialId: string): string[] {
  const text = readFileSync(path.join(SHARED, 'trials', `${trialId}.md`), 'utf8');
  return [...text.matchAll(/^- `([a-z]+\.(?:inc|exc)\.[a-z0-9_]+)`/gm)].map((m) => m[1] as string);
}

export function screenExample(trialId: string, name: string, asOf = '2026-06-15', leukapheresisDate = '2026-07-01'): EligibilityReport {
  const bundle = JSON.parse(readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8')) as Bundle;
  const { patients, errors } = groupResourcesByPatient(bundle, { source: name });
  if (errors.length > 0 || patients.length !== 1) throw new Error(`example ${name} did not load cleanly: ${JSON.stringify(errors)}`);
  return screenResources(getTrial(catalog, trialId), (patients[0] as { resources: Parameters<typeof screenResources>[1] }).resources, { asOf, leukapheresisDate });
}

export function statusOf(report: EligibilityReport, id: string): string | undefined {
  return report.criteria.find((c) => c.id === id)?.status;
}
