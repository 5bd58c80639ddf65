import type { Resource } from '@medplum/fhirtypes';
import { EligoError } from '../errors/eligo-error';
import { screeningTypesFor } from '../input/resource-types';
import type { CompiledTrial } from '../mapping/compile';
import { normalise, normaliseOptionsOf } from '../record/normalise';
import type { PatientRecord } from '../record/types';
import type { EligibilityReport } from '../report/types';
import type { ReportStore } from '../report/store';
import type { PatientSource, ReportWriter } from './ports';
import { screenRecord, type ScreenOptions } from './screen';

export interface ScreenPatientDeps {
  source: PatientSource;
  reports?: ReportStore;
  writer?: ReportWriter;
}

export interface ScreenPatientResult {
  report: EligibilityReport;
  written?: string[];
  /** What write-back repaired or noticed (a partial write completed, duplicates removed). */
  writeWarnings?: string[];
}

/**
 * The use case every entry point shares (CLI --fhir, HTTP API, SMART app, cohort jobs):
 * fetch one patient's data, screen, keep the report, and write it back only when asked.
 */
export async function screenPatient(
  deps: ScreenPatientDeps,
  trial: CompiledTrial,
  patientId: string,
  options: ScreenOptions & { writeBack?: boolean },
): Promise<ScreenPatientResult> {
  const { results } = await screenPatientForTrials(deps, [trial], patientId, options);
  return results[0] as ScreenPatientResult;
}

export interface PatientScreening {
  results: (ScreenPatientResult & { trial: CompiledTrial })[];
  /** The patient's data as screening read it, for callers that show it (the report page). */
  resources: Resource[];
  record: PatientRecord;
}

/**
 * screenPatient for several trials at once (the report page, CDS Hooks, the start-up demo):
 * the patient is fetched and normalised once, then each trial is screened, kept and written
 * back in turn.
 */
export async function screenPatientForTrials(
  deps: ScreenPatientDeps,
  trials: readonly CompiledTrial[],
  patientId: string,
  options: ScreenOptions & { writeBack?: boolean },
): Promise<PatientScreening> {
  const fetched = await deps.source.fetchPatientResources(patientId, { types: screeningTypesFor(trials) });
  const record = normalise(fetched.resources, normaliseOptionsOf(fetched));
  const results: PatientScreening['results'] = [];
  for (const trial of trials) {
    const report = screenRecord(trial, record, options);
    // What the server could not give (a type it cannot search, a missing Medication) belongs beside the data problems.
    report.warnings.push(...fetched.warnings);
    await deps.reports?.save(report);
    if (!options.writeBack) {
      results.push({ trial, report });
      continue;
    }
    if (!deps.writer) throw new EligoError('ERR_ARGUMENT_INVALID', 'write-back was asked for but no FHIR server is configured to write to', { where: 'writeBack' });
    const { written, warnings } = await deps.writer.writeReport(trial, report);
    results.push({ trial, report, written, ...(warnings && warnings.length > 0 ? { writeWarnings: warnings } : {}) });
  }
  return { results, resources: fetched.resources, record };
}
