/**
 * Real-EHR data shapes: FHIR JSON as Epic, Oracle Health, Meditech and reference labs send it,
 * normalised by the real reader and judged against the real mappings in mappings/.
 */
import type { Resource } from '@medplum/fhirtypes';
import { compileTrial, getTrial, loadCatalog } from '../../src/mapping/compile';
import { ruleSchema, trialFileSchema, type Rule } from '../../src/mapping/schema';
import { evaluate } from '../../src/engine/evaluate';
import { normalise } from '../../src/record/normalise';
import type { CriterionResult } from '../../src/report/types';

export const catalog = loadCatalog();
export const AS_OF = '2026-06-15';
export const PATIENT_ID = 'p1';
const PATIENT = { resourceType: 'Patient', id: PATIENT_ID, birthDate: '1975-04-02', gender: 'female' };
export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const UCUM = 'http://unitsofmeasure.org';

let counter = 0;

/** A final lab Observation of the patient, drawn on 2026-06-10 unless the fields say otherwise. */
export function lab(loinc: string, display: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    id: `obs-${++counter}`,
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ system: LOINC, code: loinc, display }], text: display },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: '2026-06-10T08:15:00-05:00',
    issued: '2026-06-10T11:02:00-05:00',
    ...fields,
  };
}

export function quantity(value: number, unit: string | undefined, code = unit): Record<string, unknown> {
  return { value, ...(unit === undefined ? {} : { unit }), ...(code === undefined ? {} : { system: UCUM, code }) };
}

/** Evaluate one rule, as criterion "t.inc.x" of an inline trial, on the real terminology. */
export function judgeFhir(rule: Record<string, unknown>, resources: object[], asOf = AS_OF): CriterionResult {
  const def = trialFileSchema.parse({ id: 'real-ehr', title: 'Real EHR data shapes', criteria: [{ id: 't.inc.x', type: 'inclusion', text: 't.inc.x', rule: ruleSchema.parse(rule) as Rule }] });
  const trial = compileTrial({ file: 'inline', def, locate: () => undefined }, catalog.terminology);
  const record = normalise([PATIENT, ...resources] as unknown as Resource[]);
  return evaluate(trial, record, { asOf }, { version: 'test' }).criteria[0] as CriterionResult;
}

/** One criterion of a seed trial in mappings/trials, on the given resources. */
export function criterionFhir(trialId: string, criterionId: string, resources: object[], asOf = AS_OF): CriterionResult {
  const record = normalise([PATIENT, ...resources] as unknown as Resource[]);
  const found = evaluate(getTrial(catalog, trialId), record, { asOf, leukapheresisDate: '2026-07-01' }, { version: 'test' }).criteria.find((c) => c.id === criterionId);
  if (!found) throw new Error(`no criterion ${criterionId} in ${trialId}`);
  return found;
}
