import type { Resource } from '@medplum/fhirtypes';
import type { DataGap } from '../record/types';

/** One patient's resources as read from the input, ready for `normalise`. */
export interface PatientResources {
  patientId: string;
  /**
   * Everything that points at the patient, plus the Medication resources their
   * medicationReference names. `urn:uuid:` references inside a Bundle are rewritten to
   * "Type/id".
   */
  resources: Resource[];
  /** Where they came from: the Bundle file, the NDJSON files, or the caller's label. */
  source: string;
  /**
   * What the reader knows it could not read for this patient: a type the server does not
   * search, an OperationOutcome in a searchset, an entry with no resourceType.
   */
  gaps?: DataGap[];
  /** Linked Patient ids (Patient.link) whose resources the reader added. */
  linkedPatientsRead?: string[];
}

/** Something in the input that could not be read. Names the file (and place in it), never patient data. */
export interface InputFileError {
  file: string;
  /** "entry[4]", "line 17"... */
  location?: string;
  message: string;
}

export interface ReadOptions {
  /**
   * Resource types to keep (e.g. SCREENING_RESOURCE_TYPES); all types when absent. NDJSON
   * files named after another type (Claim.ndjson) are then not read at all.
   */
  resourceTypes?: Iterable<string>;
  /**
   * NDJSON only: the most raw JSON (bytes) held in memory at once while patients are
   * assembled; a single patient larger than this is still read whole. Default 64 MiB.
   */
  batchBytes?: number;
}
