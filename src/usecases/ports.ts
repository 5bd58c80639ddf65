import type { CompiledTrial } from '../mapping/compile';
import type { PatientResources } from '../input/types';
import type { EligibilityReport } from '../report/types';

/** Where a patient's FHIR data comes from: a FHIR server (src/fhir) or anything shaped alike. */
export interface PatientSource {
  /**
   * Every resource CONVENTIONS.md lists for the patient (`types`: only these, the ones the trials
   * screened read); throws ERR_PATIENT_NOT_FOUND for an unknown id.
   */
  fetchPatientResources(patientId: string, scope?: { types?: readonly string[]; notGranted?: readonly string[] }): Promise<Pick<PatientResources, 'resources' | 'gaps' | 'linkedPatientsRead'> & { warnings: { where: string; message: string }[] }>;
  /** A label for messages: the server base URL. */
  readonly label: string;
}

/** Writes a report back where the EHR can see it (src/fhir/write-back). */
export interface ReportWriter {
  /** What was written, and what the writer had to repair or could not tell (partial or lost writes). */
  writeReport(trial: CompiledTrial, report: EligibilityReport): Promise<{ written: string[]; warnings?: string[] }>;
}
