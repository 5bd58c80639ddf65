import path from 'node:path';
import { candidatesFromExport } from '../../bulk/candidates';
import type { BulkClient } from '../../bulk/bulk-client';
import type { ExportRequest } from '../../bulk/export-request';
import { SCREENING_RESOURCE_TYPES } from '../../input/resource-types';
import type { CandidateSource } from '../types';

/**
 * The patients of a Bulk Data export (Group or Patient level, the types screening reads),
 * screened from the downloaded files. A server whose CapabilityStatement does not offer the
 * export level is not guessed at: the fallback source (searches) selects the same population,
 * and the summary says why. Replay is `stream` either way: a resumed run re-opens it, which
 * reuses a finished download in the run folder instead of exporting again.
 */
export function bulkExportSource(bulk: BulkClient, groupId: string | undefined, runDir: string, fallback: CandidateSource): CandidateSource {
  const request: ExportRequest = {
    level: groupId ? { kind: 'group', groupId } : { kind: 'patient' },
    types: [...SCREENING_RESOURCE_TYPES],
  };
  const level = groupId ? `Group/${groupId}` : 'Patient';
  return {
    replay: 'stream',
    description: `Bulk Data ${level}/$export, or ${fallback.description} where the server does not export`,
    open: async (signal) => {
      const support = await bulk.support(signal);
      if (!support[request.level.kind]) {
        const searched = await fallback.open(signal);
        const why = `${support.reason ?? 'the server does not offer this $export'}; selected ${fallback.description} by searches instead`;
        // Sources may add warnings while they are iterated: extend their array, never copy it.
        const warnings = searched.warnings ?? [];
        warnings.unshift(why);
        return { ...searched, warnings };
      }
      const result = await bulk.export(request, { outputDir: path.join(runDir, 'export'), signal, checkSupport: false });
      return candidatesFromExport(result);
    },
  };
}
