import type { SmartConfig } from './config';

/** Everything screening reads (CONVENTIONS.md "Inputs"), as SMART v2 read+search scopes. */
export const READ_SCOPES: readonly string[] = [
  'patient/Patient.rs',
  'patient/Observation.rs',
  'patient/Condition.rs',
  'patient/MedicationStatement.rs',
  'patient/MedicationRequest.rs',
  'patient/MedicationAdministration.rs',
  'patient/Medication.rs',
  'patient/Immunization.rs',
  'patient/Procedure.rs',
  'patient/DiagnosticReport.rs',
  'patient/AllergyIntolerance.rs',
  'patient/ResearchSubject.rs',
];

/**
 * What write-back touches: the subject and the report note for the patient, their Provenance,
 * and the study itself (not in the patient compartment, hence `user/`).
 */
export const WRITE_SCOPES: readonly string[] = [
  'patient/ResearchSubject.cu',
  'patient/DocumentReference.crus',
  'patient/Provenance.crs',
  'user/ResearchStudy.crus',
];

export type LaunchKind = 'ehr' | 'standalone';

/** The scope string for a launch: EHR launches bind to the EHR's context, standalone ones ask for a patient. */
export function requestedScopes(kind: LaunchKind, config: Pick<SmartConfig, 'writeBack' | 'refreshScope'>): string {
  const scopes = [kind === 'ehr' ? 'launch' : 'launch/patient', 'openid', 'fhirUser', ...READ_SCOPES];
  if (config.writeBack) scopes.push(...WRITE_SCOPES);
  if (config.refreshScope !== 'none') scopes.push(config.refreshScope);
  return scopes.join(' ');
}

/**
 * True when the granted scopes allow write-back. The server may grant less than asked; v1
 * `.write` and `.*` scopes count too. Fails closed: an absent scope string grants nothing.
 */
export function grantsWriteBack(granted: string | undefined): boolean {
  const scopes = new Set((granted ?? '').split(/\s+/).filter(Boolean));
  const can = (context: string, type: string, letter: string): boolean =>
    [...scopes].some((s) => {
      const match = /^(patient|user|system)\/([A-Za-z*]+)\.([a-z*]+)$/.exec(s);
      // A user/ scope covers the patient's data too; system/ scopes belong to backend services.
      if (!match || (match[1] !== context && !(context === 'patient' && match[1] === 'user'))) return false;
      if (match[2] !== type && match[2] !== '*') return false;
      const perms = match[3] as string;
      if (perms === '*') return true;
      if (perms === 'write') return 'cud'.includes(letter);
      if (perms === 'read') return 'rs'.includes(letter);
      return /^c?r?u?d?s?$/.test(perms) && perms.includes(letter);
    });
  return can('patient', 'ResearchSubject', 'c') && can('patient', 'ResearchSubject', 'u') && can('patient', 'DocumentReference', 'c');
}
