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

/**
 * "patient/Observation.rs" -> can it do `letter` on `type`? v1 read/write/* understood. A user/
 * scope covers the patient's data too; system/ scopes belong to backend services and count
 * for nothing here.
 */
export function scopeAllows(scopes: ReadonlySet<string>, type: string, letter: 'c' | 'r' | 'u' | 'd' | 's'): boolean {
  for (const scope of scopes) {
    const match = /^(patient|user)\/([A-Za-z*]+)\.([a-z*]+)$/.exec(scope);
    if (!match || (match[2] !== type && match[2] !== '*')) continue;
    const perms = match[3] as string;
    if (perms === '*') return true;
    if (perms === 'read' && (letter === 'r' || letter === 's')) return true;
    if (perms === 'write' && (letter === 'c' || letter === 'u' || letter === 'd')) return true;
    if (/^c?r?u?d?s?$/.test(perms) && perms.includes(letter)) return true;
  }
  return false;
}

