import { existsSync, readFileSync } from 'node:fs';
import type { CompiledTrial } from '../../mapping/compile';
import { SERVICE_VERSION } from '../../version';
import { readJournal } from '../journal/journal-file';
import type { RunPaths, StoredRun } from '../journal/run-dir';
import { readRunState } from '../journal/run-state';
import { newCandidatesSince } from './new-candidates';
import { previousCompletedRun } from './previous-run';
import type { CohortSummary, RunStatus } from './types';

export interface SummaryInput {
  dataDir: string;
  paths: RunPaths;
  stored: StoredRun;
  trial: CompiledTrial;
  status: RunStatus;
  /** The completion time, for a completed run; a partial summary compares with runs completed before now. */
  completedAt?: string;
  now: Date;
}

/** The summary from the journal alone (streamed), so it is the same whichever process ran which part of the run. */
export async function buildSummary(input: SummaryInput): Promise<CohortSummary> {
  const { paths, stored, trial } = input;
  const state = await readRunState(paths.journal, trial.criteria);
  const failures: CohortSummary['failures'] = [];
  for await (const record of readJournal(paths.journal)) {
    if (record.type === 'failed') failures.push({ patientId: record.patientId, code: record.code, reason: record.reason });
  }
  const before = input.completedAt ?? input.now.toISOString();
  const previous = previousCompletedRun(input.dataDir, stored.id, trial.id, stored.definition.select, before);
  const counts = state.tally.counts();
  const total = state.selected?.total;
  return {
    runId: stored.id,
    trial: { id: trial.id, title: trial.def.title, version: trial.def.version },
    definition: stored.definition,
    candidates: stored.candidates,
    status: input.status,
    createdAt: stored.createdAt,
    ...(input.completedAt ? { completedAt: input.completedAt } : {}),
    counts: { ...counts, ...(total === undefined ? {} : { total }) },
    criteria: state.tally.criterionCounts(),
    newCandidates: previous
      ? { comparedWith: previous.runId, patients: await newCandidatesSince(paths.journal, previous.paths.journal) }
      : { comparedWith: null, patients: [] },
    failures: dedupeFailures(failures),
    warnings: state.selected?.warnings ?? [],
    generator: { name: 'eligo', version: SERVICE_VERSION },
  };
}

function dedupeFailures(failures: CohortSummary['failures']): CohortSummary['failures'] {
  const seen = new Set<string>();
  return failures.filter((f) => (seen.has(f.patientId) ? false : (seen.add(f.patientId), true)));
}

export function readStoredSummary(paths: RunPaths): CohortSummary | undefined {
  if (!existsSync(paths.summary)) return undefined;
  return JSON.parse(readFileSync(paths.summary, 'utf8')) as CohortSummary;
}
