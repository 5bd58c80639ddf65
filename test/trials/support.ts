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

export const SNOMED_CT = 'http://snomed.info/sct';
export const CPT = 'http://www.ama-assn.org/go/cpt';
const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
const ROLE_CODE = 'http://terminology.hl7.org/CodeSystem/v3-RoleCode';

/**
 * A hospital stay as US Core EHRs send it: v3 ActCode class, a period, and its reasons (`reason`
 * as reasonCode ICD-10-CM; other fields as given: reasonReference, diagnosis, status...).
 */
export function stay(cls: 'IMP' | 'EMER' | 'AMB' | 'OBSENC', start: string | undefined, reason: [string, string] | undefined, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Encounter',
    id: `enc-${++n}`,
    status: 'finished',
    class: { system: ACT_CODE, code: cls },
    subject: { reference: 'Patient/p1' },
    ...(start === undefined ? {} : { period: { start, end: start } }),
    ...(reason ? { reasonCode: [{ coding: [{ system: ICD10, code: reason[0], display: reason[1] }] }] } : {}),
    ...fields,
  };
}

/** One relative's FamilyMemberHistory (v3 RoleCode relationship) with the given conditions, completed unless told. */
export function relative(role: string, display: string, conditions: Record<string, unknown>[], fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'FamilyMemberHistory',
    id: `fmh-${++n}`,
    status: 'completed',
    patient: { reference: 'Patient/p1' },
    date: '2025-11-02',
    relationship: { coding: [{ system: ROLE_CODE, code: role, display }] },
    ...(conditions.length > 0 ? { condition: conditions.map((code) => ({ code })) } : {}),
    ...fields,
  };
}

/** A ServiceRequest for a procedure (active order unless told), scheduled on `date`. */
export function request(system: string, code: string, display: string, date: string | undefined, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'ServiceRequest',
    id: `sr-${++n}`,
    status: 'active',
    intent: 'order',
    code: { coding: [{ system, code, display }] },
    subject: { reference: 'Patient/p1' },
    authoredOn: '2026-06-01',
    ...(date === undefined ? {} : { occurrenceDateTime: date }),
    ...fields,
  };
}

/** A completed Procedure, performed on `date`. */
export function procedureDone(system: string, code: string, display: string, date: string): Record<string, unknown> {
  return { resourceType: 'Procedure', id: `pr-${++n}`, status: 'completed', code: { coding: [{ system, code, display }] }, subject: { reference: 'Patient/p1' }, performedDateTime: date };
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
