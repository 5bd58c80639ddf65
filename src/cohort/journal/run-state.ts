import type { CriterionDef } from '../../mapping/schema';
import { CohortTally } from '../run/tally';
import { readJournal } from './journal-file';
import type { EndRecord, SelectedRecord } from './records';

/** What a journal says about its run so far: counts, the patients it holds, and where the run stopped. */
export interface RunState {
  tally: CohortTally;
  /** Patients with a screened or failed line: never screened again in this run. */
  done: Set<string>;
  attempts: number;
  /** The latest selection (total, warnings, whether the ids were kept). */
  selected?: SelectedRecord;
  /** How the latest attempt ended; absent when it never did (killed) or is still going. */
  end?: EndRecord;
  startedAt?: string;
}

/**
 * Replays the journal. The only per-patient memory is the set of ids journaled (tens of bytes
 * each), needed to skip them; reports were never kept.
 */
export async function readRunState(journalFile: string, criteria: readonly CriterionDef[] | undefined): Promise<RunState> {
  const state: RunState = { tally: new CohortTally(criteria), done: new Set(), attempts: 0 };
  for await (const record of readJournal(journalFile)) {
    switch (record.type) {
      case 'screened':
      case 'failed':
        // A patient journaled twice (never written so, but a hand-edited file might) counts once.
        if (state.done.has(record.patientId)) continue;
        state.done.add(record.patientId);
        state.tally.add(record);
        break;
      case 'attempt':
        state.attempts = Math.max(state.attempts, record.attempt);
        state.startedAt ??= record.at;
        delete state.end;
        break;
      case 'selected':
        state.selected = record;
        break;
      case 'end':
        state.end = record;
        break;
    }
  }
  return state;
}
