import { EligoError } from '../errors/eligo-error';
import type { CompiledTrial } from '../mapping/compile';
import type { EligibilityReport } from '../report/types';
import type { ReportStore } from '../report/store';
import type { PatientSource, ReportWriter } from './ports';
import { screenResources, type ScreenOptions } from './screen';

export interface ScreenPatientDeps {
  source: PatientSource;
  reports?: ReportStore;
  writer?: ReportWriter;
}

export interface ScreenPatientResult {
  report: EligibilityReport;
  written?: string[];
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
  const fetched = await deps.source.fetchPatientResources(patientId);
  const report = screenResources(trial, fetched.resources, options);
  // What the server could not give (a type it cannot search, a missing Medication) belongs beside the data problems.
  report.warnings.push(...fetched.warnings);
  await deps.reports?.save(report);
  if (!options.writeBack) return { report };
  if (!deps.writer) throw new EligoError('ERR_ARGUMENT_INVALID', 'write-back was asked for but no FHIR server is configured to write to', { where: 'writeBack' });
  const { written } = await deps.writer.writeReport(trial, report);
  return { report, written };
}
