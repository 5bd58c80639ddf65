import path from 'node:path';
import { candidatesFromExport } from '../../bulk/candidates';
import type { BulkClient } from '../../bulk/bulk-client';
import type { ExportRequest } from '../../bulk/export-request';
import { isEligoError } from '../../errors/eligo-error';
import { SCREENING_RESOURCE_TYPES } from '../../input/resource-types';
import type { CandidateSource, CandidateStream } from '../types';

/**
 * The patients of a Bulk Data export (Group or Patient level, the types screening reads),
 * screened from the downloaded files. A server whose CapabilityStatement does not offer the
 * export level is not guessed at: the fallback source selects the same population by searches
 * (every Patient, or the Group's members), and the summary says why. A level the server offers
 * only per `instantiates` is tried, and falls back the same way when the kick-off finds no such
 * export (404). Replay is `stream` either way: a resumed run re-opens it, which reuses a
 * finished download in the run folder instead of exporting again.
 */
export function bulkExportSource(bulk: BulkClient, groupId: string | undefined, runDir: string, fallback: CandidateSource): CandidateSource {
  const request: ExportRequest = {
    level: groupId ? { kind: 'group', groupId } : { kind: 'patient' },
    types: [...SCREENING_RESOURCE_TYPES],
  };
  const level = groupId ? `Group/${groupId}` : 'Patient';
  const searched = async (why: string, signal: AbortSignal): Promise<CandidateStream> => {
    const stream = await fallback.open(signal);
    // Sources may add warnings while they are iterated: extend their array, never copy it.
    const warnings = stream.warnings ?? [];
    warnings.unshift(`${why}; selected the same patients by searches instead: ${fallback.description}`);
    return { ...stream, warnings };
  };
  return {
    replay: 'stream',
    description: `Bulk Data ${level}/$export, or ${fallback.description} where the server does not export`,
    open: async (signal) => {
      const support = await bulk.support(signal);
      if (!support[request.level.kind]) return searched(support.reason ?? 'the server does not offer this $export', signal);
      try {
        const result = await bulk.export(request, { outputDir: path.join(runDir, 'export'), signal, checkSupport: false });
        return candidatesFromExport(result);
      } catch (error) {
        if (!support.inferred?.includes(request.level.kind) || !isEligoError(error, 'ERR_NOT_FOUND')) throw error;
        return searched(`the server instantiates the Bulk Data capability statement but has no ${level}/$export (${error.message})`, signal);
      }
    },
  };
}
