import { scopeAllows as allows, type ScopeLetter } from '../access/scope-grammar';
import { SCREENING_RESOURCE_TYPES } from '../input/resource-types';
import type { SmartConfig } from './config';

/** Everything screening reads (CONVENTIONS.md "Inputs"), as SMART v2 read+search scopes. */
export const READ_SCOPES: readonly string[] = SCREENING_RESOURCE_TYPES.map((type) => `patient/${type}.rs`);

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
  return scopeAllows(scopes, 'ResearchSubject', 'c') && scopeAllows(scopes, 'ResearchSubject', 'u') && scopeAllows(scopes, 'DocumentReference', 'c');
}

/** A user/ scope covers the patient's data too; system/ scopes belong to backend services and count for nothing here. */
export function scopeAllows(scopes: ReadonlySet<string>, type: string, letter: ScopeLetter): boolean {
  return allows(scopes, type, letter, ['patient', 'user']);
}
