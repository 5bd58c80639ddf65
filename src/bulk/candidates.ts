import type { CandidateStream, CohortCandidate } from '../cohort/types';
import { readPatientBundles, SCREENING_RESOURCE_TYPES } from '../input';
import type { BulkExportResult } from './bulk-client';

const MAX_LISTED_PROBLEMS = 5;

/**
 * An export's patients as cohort candidates. Complete records come with their resources (the
 * runner screens them without asking the server again); an incremental or filtered export
 * yields patient ids only, for the runner to read in full by id. Reading is bounded in memory
 * (readPatientBundles); reopening the same folder yields the same patients in the same order.
 */
export function candidatesFromExport(result: BulkExportResult): CandidateStream {
  const warnings: string[] = [];
  if (result.partialReason) warnings.push(result.partialReason);
  const serverErrors = result.errorFiles.reduce((n, f) => n + f.count, 0);
  if (serverErrors > 0) warnings.push(`the server reported ${serverErrors} problems with the export (OperationOutcome files in ${result.folder}/.errors)`);
  const patientCount = result.files.filter((f) => f.type === 'Patient').reduce((n, f) => n + f.count, 0);
  const reader = readPatientBundles(result.folder, { resourceTypes: SCREENING_RESOURCE_TYPES });

  // Compartment exports carry resources that name other patients in a second role (an Observation's
  // performer): such a patient has no Patient resource in the files, is not in scope, and only a
  // scrap of their record is here, so they are not screened.
  const hasPatients = result.files.some((f) => f.type === 'Patient');
  let outOfScope = 0;

  async function* candidates(): AsyncGenerator<CohortCandidate> {
    for await (const group of reader) {
      if (!result.completeRecords) {
        yield { patientId: group.patientId };
      } else if (!hasPatients || group.resources.some((r) => r.resourceType === 'Patient' && r.id === group.patientId)) {
        yield { patientId: group.patientId, resources: group.resources };
      } else {
        outOfScope++;
      }
    }
    if (outOfScope > 0) warnings.push(`${outOfScope} patients appear in the export only through other patients' resources (no Patient resource of their own); not screened`);
    // Known only once every file is read: the stream's warnings array is filled in place.
    if (reader.errors.length > 0) {
      const listed = reader.errors.slice(0, MAX_LISTED_PROBLEMS).map((e) => `${e.file}${e.location ? ` ${e.location}` : ''}: ${e.message}`);
      warnings.push(`${reader.errors.length} problems reading the export files: ${listed.join('; ')}${reader.errors.length > MAX_LISTED_PROBLEMS ? '; ...' : ''}`);
    }
  }

  return { candidates: candidates(), warnings, ...(result.completeRecords && patientCount > 0 ? { total: patientCount } : {}) };
}
