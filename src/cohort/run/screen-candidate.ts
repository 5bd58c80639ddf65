import { EligoError, isEligoError } from '../../errors/eligo-error';
import type { CompiledTrial } from '../../mapping/compile';
import type { ReportStore } from '../../report/store';
import type { PatientSource, ReportWriter } from '../../usecases/ports';
import { screenPatient } from '../../usecases/screen-patient';
import type { CohortDefinition } from '../definition';
import type { FailedRecord, PatientRecord } from '../journal/records';
import type { CohortCandidate } from '../types';

export interface ScreenCandidateDeps {
  trial: CompiledTrial;
  /** Where candidates given by id are fetched from. */
  patients?: PatientSource;
  writer?: ReportWriter;
  reports?: ReportStore;
  now: () => Date;
}

const MAX_REASON = 500;

/** How a run screens one candidate: in this process (screenCandidate) or by worker processes (queuedScreening). */
export type CandidateScreener = (candidate: CohortCandidate, signal: AbortSignal) => Promise<PatientRecord>;

/**
 * One candidate through the use case every entry point shares (screenPatient), as the journal
 * record that ends it. Candidates that carry their resources (Bulk Data) are screened through a
 * source that hands those resources back, so write-back and the report store behave the same.
 * Never throws: a failure is the candidate's `failed` record with the error code and reason.
 */
export async function screenCandidate(deps: ScreenCandidateDeps, definition: CohortDefinition, candidate: CohortCandidate): Promise<PatientRecord> {
  try {
    const source = candidate.resources ? suppliedSource(candidate.resources) : deps.patients;
    if (!source) throw new EligoError('ERR_ARGUMENT_INVALID', 'the candidate has no resources and no FHIR server is configured to fetch them from');
    const { report, written } = await screenPatient({ source, ...(deps.writer ? { writer: deps.writer } : {}), ...(deps.reports ? { reports: deps.reports } : {}) }, deps.trial, candidate.patientId, {
      asOf: definition.asOf,
      ...(definition.leukapheresisDate ? { leukapheresisDate: definition.leukapheresisDate } : {}),
      writeBack: definition.writeBack,
    });
    return {
      type: 'screened',
      patientId: candidate.patientId,
      outcome: report.outcome,
      notMet: report.summary.notMet,
      awaitingWashout: report.summary.awaitingWashout,
      unknown: report.summary.unknown,
      review: report.summary.review,
      ...(written ? { written: written.length } : {}),
      at: deps.now().toISOString(),
    };
  } catch (error) {
    return failedRecord(candidate.patientId, error, deps.now());
  }
}

export function failedRecord(patientId: string, error: unknown, now: Date): FailedRecord {
  const code = isEligoError(error) ? error.code : 'ERR_INTERNAL';
  const message = error instanceof Error ? error.message : String(error);
  const reason = isEligoError(error) ? message : `unexpected error: ${message}`;
  const throttled = isEligoError(error, 'ERR_FHIR_UNAVAILABLE') && error.retryAfterSeconds !== undefined ? { retryAfterMs: error.retryAfterSeconds * 1000 } : {};
  return { type: 'failed', patientId, code, reason: reason.slice(0, MAX_REASON), ...throttled, at: now.toISOString() };
}

function suppliedSource(resources: CohortCandidate['resources'] & object): PatientSource {
  // Only the types the trial reads: an exported record's hundreds of Encounters are not normalised for a trial that reads no stays.
  const ofTypes = (types: readonly string[] | undefined): typeof resources => (types === undefined ? resources : resources.filter((r) => types.includes(r.resourceType)));
  return { label: 'supplied resources', fetchPatientResources: (_id, scope) => Promise.resolve({ resources: ofTypes(scope?.types), warnings: [] }) };
}
