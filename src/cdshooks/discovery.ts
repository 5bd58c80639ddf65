import { SERVICE_ID } from './config';

/** Prefetch keys, each one search the EHR runs before calling; the same set screening reads. */
export const PREFETCH: Readonly<Record<string, string>> = {
  patient: 'Patient/{{context.patientId}}',
  conditions: 'Condition?patient={{context.patientId}}',
  observations: 'Observation?patient={{context.patientId}}',
  medicationStatements: 'MedicationStatement?patient={{context.patientId}}&_include=MedicationStatement:medication',
  medicationRequests: 'MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication',
  medicationAdministrations: 'MedicationAdministration?patient={{context.patientId}}&_include=MedicationAdministration:medication',
  immunizations: 'Immunization?patient={{context.patientId}}',
  procedures: 'Procedure?patient={{context.patientId}}',
  diagnosticReports: 'DiagnosticReport?patient={{context.patientId}}',
  allergies: 'AllergyIntolerance?patient={{context.patientId}}',
  researchSubjects: 'ResearchSubject?individual={{context.patientId}}',
  // Every stay, not only inpatient ones: a rule may count stays by type on any class.
  encounters: 'Encounter?patient={{context.patientId}}',
  familyHistory: 'FamilyMemberHistory?patient={{context.patientId}}',
  serviceRequests: 'ServiceRequest?patient={{context.patientId}}',
};

/** GET /cds-services (CDS Hooks 2.0 discovery). */
export function discoveryDocument(): { services: Record<string, unknown>[] } {
  return {
    services: [
      {
        hook: 'patient-view',
        id: SERVICE_ID,
        title: 'eligo clinical trial screening',
        description: 'Screens the patient in view against the open trials and says which ones they may fit, and why.',
        prefetch: PREFETCH,
        usageRequirements: 'Register the eligo SMART app with the EHR so the card links can launch the full report.',
      },
    ],
  };
}
