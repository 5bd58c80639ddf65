import { existsSync } from 'node:fs';
import { EligoError } from '../../errors/eligo-error';
import { candidatesFromIds } from '../candidates/from-ids';
import type { JournalWriter } from '../journal/journal-file';
import { readCandidateSnapshot, writeCandidateSnapshot, type RunPaths } from '../journal/run-dir';
import type { RunState } from '../journal/run-state';
import type { CandidateSource, CandidateStream, CohortInput } from '../types';

export interface OpenCandidatesInput {
  source: CandidateSource;
  paths: RunPaths;
  state: RunState;
  journal: JournalWriter;
  signal: AbortSignal;
  now: () => Date;
}

/**
 * This attempt's candidates. A snapshot source is asked once per run: its ids are kept in the
 * run folder (written whole, then the `selected` line), and a resumed run reads them back. A
 * stream source is opened on every attempt.
 */
export async function openCandidates(input: OpenCandidatesInput): Promise<Required<Pick<CandidateStream, 'warnings'>> & CandidateStream> {
  const { source, paths, state, journal, signal, now } = input;
  const kept = state.selected;
  if (source.replay === 'snapshot' && kept?.snapshot && existsSync(paths.candidates)) {
    return { ...(kept.total === undefined ? {} : { total: kept.total }), candidates: idsOf(readCandidateSnapshot(paths)), warnings: kept.warnings };
  }
  const stream = await source.open(signal);
  const warnings = stream.warnings ?? [];
  if (source.replay === 'stream') {
    journal.append({ type: 'selected', snapshot: false, ...(stream.total === undefined ? {} : { total: stream.total }), warnings, at: now().toISOString() });
    return { ...stream, warnings };
  }
  const ids = new Set<string>();
  for await (const candidate of stream.candidates) {
    // Resources cannot be kept in a snapshot; a source that has them is a stream source.
    if (candidate.resources) throw new EligoError('ERR_INTERNAL', `candidate source "${source.description}" yields resources but says replay: snapshot`);
    ids.add(candidate.patientId);
  }
  // A selection cut short by a cancel must not become the run's candidate list.
  if (signal.aborted) throw new EligoError('ERR_CANCELLED', 'the run was cancelled while selecting candidates');
  writeCandidateSnapshot(paths, [...ids]);
  journal.append({ type: 'selected', snapshot: true, total: ids.size, warnings, at: now().toISOString() });
  return { total: ids.size, candidates: candidatesFromIds(ids), warnings };
}

async function* idsOf(ids: AsyncIterable<string>): CohortInput {
  for await (const patientId of ids) yield { patientId };
}
