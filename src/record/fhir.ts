/**
 * FHIR R4 types, imported in one place. The team's choice is @types/fhir's `fhir/r4`, but the
 * installed @types/fhir (3.0.2) is the old STU3 global-namespace package and has no `fhir/r4`;
 * @medplum/fhirtypes (generated from the R4 definitions, already a dependency) stands in.
 * Swapping back is a change to this file only.
 *
 * These types describe well-formed resources. Input from files and servers is not checked
 * against them, so readers in this folder still test every field before using it.
 */
export type {
  AllergyIntolerance,
  Bundle,
  BundleEntry,
  CodeableConcept,
  Coding,
  Condition,
  DiagnosticReport,
  Dosage,
  Immunization,
  Medication,
  MedicationAdministration,
  MedicationRequest,
  MedicationStatement,
  Observation,
  ObservationComponent,
  Patient,
  Period,
  Procedure,
  Quantity,
  Reference,
  ResearchSubject,
  Resource,
} from '@medplum/fhirtypes';
