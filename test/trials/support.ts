import type { Resource } from '@medplum/fhirtypes';
import { evaluate } from '../../src/engine/evaluate';
import { getTrial } from '../../src/mapping/compile';
import { normalise } from '../../src/record/normalise';
import type { EligibilityReport } from '../../src/report/types';
import { AS_OF, catalog } from '../real-ehr/helpers';

/** FHIR JSON for the trial-as-data tests: the patient p1's conditions and medications as EHRs send them. */
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';

let n = 0;

export function diagnosis(code: string, display: string, onset = '2020-01-01'): Record<string, unknown> {
  return {
    resourceType: 'Condition',
    id: `c-${++n}`,
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    code: { coding: [{ system: ICD10, code, display }] },
    subject: { reference: 'Patient/p1' },
    onsetDateTime: onset,
  };
}

export function onDrug(rxnorm: string, display: string, start = '2025-01-01'): Record<string, unknown> {
  return {
    resourceType: 'MedicationStatement',
    id: `ms-${++n}`,
    status: 'active',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: rxnorm, display }] },
    subject: { reference: 'Patient/p1' },
    effectivePeriod: { start },
  };
}

/** A trial of mappings/trials, screened on the patient's resources as of AS_OF. */
export function screener(trialId: string, patient: Record<string, unknown>): (resources: object[]) => EligibilityReport {
  const trial = getTrial(catalog, trialId);
  return (resources) => evaluate(trial, normalise([patient, ...resources] as unknown as Resource[]), { asOf: AS_OF }, { version: 'test' });
}

export const statusOf = (report: EligibilityReport, id: string): string | undefined => report.criteria.find((c) => c.id === id)?.status;

/** The eligible patient's resources with the changed measurements (same code) replaced and the rest added. */
export function replacing(eligible: Record<string, unknown>[], changes: Record<string, unknown>[]): Record<string, unknown>[] {
  const codeOf = (r: object): string | undefined => ((r as { resourceType?: string }).resourceType === 'Observation' ? JSON.stringify((r as { code?: unknown }).code) : undefined);
  const replaced = new Set(changes.map(codeOf).filter((c): c is string => c !== undefined));
  return [...eligible.filter((r) => !replaced.has(codeOf(r) ?? '')), ...changes];
}
