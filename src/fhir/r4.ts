/**
 * FHIR R4 types for this folder. The team's rule is @types/fhir, but the installed @types/fhir
 * (3.0.2) is STU3 with no R4 module; @medplum/fhirtypes (generated from the R4 definitions, a
 * dependency already) stands in, as in src/record/fhir.ts. One file to change to swap back.
 */
export type {
  Attachment,
  Bundle,
  BundleEntry,
  CapabilityStatement,
  Condition,
  Device,
  DocumentReference,
  Extension,
  Group,
  Identifier,
  Medication,
  OperationOutcome,
  Patient,
  Provenance,
  Reference,
  ResearchStudy,
  ResearchSubject,
  Resource,
} from '@medplum/fhirtypes';
