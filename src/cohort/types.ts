import type { Resource } from '@medplum/fhirtypes';

/**
 * The contract between candidate sources and the cohort runner. Kept stable: the Bulk Data
 * path (src/bulk/) yields the same shape from downloaded NDJSON (PatientResources from
 * src/input fits it as is).
 */

/** One patient to screen: an id to fetch from the FHIR server, or the patient's resources already in hand. */
export interface CohortCandidate {
  patientId: string;
  /** Every resource screening reads for the patient (as src/input groups them); absent: fetch by id. */
  resources?: Resource[];
}

export type CohortInput = AsyncIterable<CohortCandidate>;

export interface CandidateStream {
  /** How many candidates the stream holds, when known before iterating (progress shows it). */
  total?: number;
  candidates: CohortInput;
  /** Things the selection could not do (a search the server refused), for the run summary. No patient data. */
  warnings?: string[];
}

/**
 * Where a run's candidates come from.
 *
 * - `snapshot`: the selection is a list of ids (a server search, a Group, an explicit list).
 *   The runner lists it once, keeps the ids in the run folder and a resumed run reads them
 *   from there: a patient listed before a crash is never lost because the server's answer
 *   changed in between.
 * - `stream`: the candidates carry their resources (Bulk Data NDJSON, files). A resumed run
 *   opens the source again and skips the patients its journal already holds, so the source
 *   must yield the same patients when reopened (e.g. re-reading the downloaded files).
 */
export interface CandidateSource {
  readonly replay: 'snapshot' | 'stream';
  /** For the run record and messages: what was selected, never patient data. */
  readonly description: string;
  open(signal: AbortSignal): Promise<CandidateStream>;
}
