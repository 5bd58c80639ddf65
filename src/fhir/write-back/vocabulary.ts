import { createHash } from 'node:crypto';
import { ELIGO_SUBJECT_SYSTEM, ELIGO_TRIAL_SYSTEM } from '../../engine/rules/enrolled';
import type { Identifier } from '@medplum/fhirtypes';

/**
 * Identifier systems and extension URLs eligo writes. The trial and research-subject systems
 * are the engine's (it recognises eligo's own ResearchSubjects by them). Extension URLs are
 * urn:eligo: names until the project publishes StructureDefinitions at a URL it owns.
 */
export const SYSTEMS = {
  trial: ELIGO_TRIAL_SYSTEM,
  researchSubject: ELIGO_SUBJECT_SYSTEM,
  report: 'urn:eligo:eligibility-report',
  service: 'urn:eligo:service',
  documentType: 'urn:eligo:document-type',
  /** A tag on eligo's Provenance (R4 Provenance has no identifier): conditional create and search by (trial, patient). */
  screening: 'urn:eligo:screening',
} as const;

export const EXTENSIONS = {
  /** The status eligo last put in ResearchSubject.status; any other current status was set by a person. */
  statusWritten: 'urn:eligo:extension:status-written',
  /** The latest screening outcome, kept current even when a person owns the status. */
  outcome: 'urn:eligo:extension:screening-outcome',
  /** The DocumentReference holding the criterion-by-criterion report. */
  report: 'urn:eligo:extension:eligibility-report',
  asOf: 'urn:eligo:extension:screened-as-of',
} as const;

/**
 * A key for one (trial, patient) pair: a hash, so identifiers carry no patient data. The trial id
 * stays readable in front ("sle-cart:…"): the engine tells this trial's subjects by that prefix.
 */
export function screeningKey(trialId: string, patientReference: string): string {
  return `${trialId}:${createHash('sha256').update(`${trialId}\n${patientReference}`).digest('hex').slice(0, 32)}`;
}

export function subjectIdentifier(key: string): Identifier {
  return { system: SYSTEMS.researchSubject, value: key };
}

export function reportIdentifier(key: string): Identifier {
  return { system: SYSTEMS.report, value: key };
}

export function trialIdentifier(trialId: string): Identifier {
  return { system: SYSTEMS.trial, value: trialId };
}

/** `system|value` for an identifier search or If-None-Exist, URL-encoded. */
export function identifierQuery(identifier: Identifier): string {
  return `identifier=${encodeURIComponent(`${identifier.system ?? ''}|${identifier.value ?? ''}`)}`;
}

export function hasIdentifier(resource: { identifier?: Identifier[] | Identifier }, wanted: Identifier): boolean {
  const list = Array.isArray(resource.identifier) ? resource.identifier : resource.identifier ? [resource.identifier] : [];
  return list.some((i) => i.system === wanted.system && i.value === wanted.value);
}

/** `_tag=system|code` for the Provenance of one screening key, URL-encoded. */
export function screeningTagQuery(key: string): string {
  return `_tag=${encodeURIComponent(`${SYSTEMS.screening}|${key}`)}`;
}
