/**
 * The resource types every screening reads (CONVENTIONS.md "Inputs"), whatever the trial.
 */
export const CORE_SCREENING_TYPES: readonly string[] = Object.freeze([
  'Patient',
  'Observation',
  'Condition',
  'MedicationStatement',
  'MedicationRequest',
  'MedicationAdministration',
  'Medication',
  'Immunization',
  'Procedure',
  'DiagnosticReport',
  'AllergyIntolerance',
  'ResearchSubject',
]);

/**
 * Types only some rules read: hospital stays (`encounter`), family history (`family_history`),
 * planned procedures (`procedure` with `planned`). A record holds hundreds of Encounters, so a
 * screening whose trials read none of them neither fetches nor normalises them
 * (`screeningTypesFor`).
 */
export const RULE_READ_TYPES: readonly string[] = Object.freeze(['Encounter', 'FamilyMemberHistory', 'ServiceRequest']);

/**
 * Every type screening may read: what a caller's read scopes must cover (the access decision,
 * SMART launches, backend-services scopes) and what a posted Bundle or a CDS Hooks prefetch is
 * read for.
 */
export const SCREENING_RESOURCE_TYPES: readonly string[] = Object.freeze([...CORE_SCREENING_TYPES, ...RULE_READ_TYPES]);

/** Types that must point at a patient; one that does not is reported rather than dropped silently. */
export const PATIENT_DATA_TYPES: ReadonlySet<string> = new Set(SCREENING_RESOURCE_TYPES.filter((t) => t !== 'Patient' && t !== 'Medication'));

export const MEDICATION_USE_TYPES: ReadonlySet<string> = new Set(['MedicationStatement', 'MedicationRequest', 'MedicationAdministration']);

/** What screening for these trials reads: the core types and the rule-read types any of them needs. */
export function screeningTypesFor(trials: Iterable<{ readonly reads: readonly string[] }>): string[] {
  const needed = new Set<string>();
  for (const trial of trials) for (const type of trial.reads) needed.add(type);
  return [...CORE_SCREENING_TYPES, ...RULE_READ_TYPES.filter((t) => needed.has(t))];
}

export function typeFilter(resourceTypes: Iterable<string> | undefined): ReadonlySet<string> | undefined {
  return resourceTypes === undefined ? undefined : new Set(resourceTypes);
}
