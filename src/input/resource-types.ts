/** The resource types screening reads (CONVENTIONS.md "Inputs"). */
export const SCREENING_RESOURCE_TYPES: readonly string[] = Object.freeze([
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

/** Types that must point at a patient; one that does not is reported rather than dropped silently. */
export const PATIENT_DATA_TYPES: ReadonlySet<string> = new Set(SCREENING_RESOURCE_TYPES.filter((t) => t !== 'Patient' && t !== 'Medication'));

export const MEDICATION_USE_TYPES: ReadonlySet<string> = new Set(['MedicationStatement', 'MedicationRequest', 'MedicationAdministration']);

export function typeFilter(resourceTypes: Iterable<string> | undefined): ReadonlySet<string> | undefined {
  return resourceTypes === undefined ? undefined : new Set(resourceTypes);
}
