import { EligoError } from '../../errors/eligo-error';
import type { BulkClient } from '../../bulk/bulk-client';
import type { FhirSource } from '../../fhir';
import type { CompiledTrial } from '../../mapping/compile';
import type { Selection } from '../definition';
import type { CandidateSource } from '../types';
import { allPatientsSource } from './all-patients';
import { bulkExportSource } from './bulk-export';
import { diagnosisSource, type DiagnosisSourceOptions } from './diagnosis';
import { explicitIdsSource } from './explicit-ids';
import { groupSource } from './group';

export { diagnosisSource, type DiagnosisSourceOptions, type PrefixSearch } from './diagnosis';
export { explicitIdsSource } from './explicit-ids';
export { groupSource } from './group';
export { diagnosisQuery, type DiagnosisQuery } from './diagnosis-codes';
export { bulkExportSource } from './bulk-export';
export { allPatientsSource } from './all-patients';

/** What an `export` selection needs: a Bulk Data client for the server and the run's folder for the files. */
export interface ExportDeps {
  bulk: BulkClient;
  runDir: string;
}

/** The server-side candidate source a selection names. `supplied` candidates come from the caller (Bulk Data). */
export function candidateSourceFor(
  selection: Selection,
  trial: CompiledTrial,
  fhir: FhirSource | undefined,
  options: DiagnosisSourceOptions = {},
  exportDeps?: ExportDeps,
): CandidateSource {
  if (selection.by === 'supplied') {
    throw new EligoError('ERR_ARGUMENT_INVALID', `candidates "${selection.description}" are supplied by the caller; pass the CandidateSource to the run`, { where: 'select' });
  }
  if (selection.by === 'patients') return explicitIdsSource(selection.patients);
  if (!fhir) throw new EligoError('ERR_ARGUMENT_INVALID', 'no FHIR server is configured to select candidates on', { where: 'select' });
  switch (selection.by) {
    case 'diagnosis':
      return diagnosisSource(fhir, trial, options);
    case 'group':
      return groupSource(fhir, selection.group);
    case 'export': {
      if (!exportDeps) throw new EligoError('ERR_ARGUMENT_INVALID', 'no Bulk Data client is configured for an export selection', { where: 'select' });
      // The fallback selects the population the export would have: never another one (such as by diagnosis).
      const fallback = selection.group ? groupSource(fhir, selection.group) : allPatientsSource(fhir);
      return bulkExportSource(exportDeps.bulk, selection.group, exportDeps.runDir, fallback);
    }
  }
}
