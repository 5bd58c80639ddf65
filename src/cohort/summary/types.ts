import type { Outcome } from '../../report/types';
import type { CohortDefinition } from '../definition';
import type { CohortCounts, CriterionCounts } from '../run/tally';

export type RunStatus = 'selecting' | 'running' | 'cancelling' | 'completed' | 'cancelled' | 'failed' | 'interrupted';

export interface NewCandidate {
  patientId: string;
  outcome: Extract<Outcome, 'eligible' | 'potential-candidate'>;
  /** Not in the previous run at all, or there but ruled out or failed. */
  previously: 'absent' | 'ineligible' | 'failed';
}

/** A run's results: counts per outcome, the screening funnel, new candidates, failures. */
export interface CohortSummary {
  runId: string;
  trial: { id: string; title: string; version: string };
  definition: CohortDefinition;
  /** What the candidate source selected. */
  candidates: string;
  /** `completed` for a finished run; otherwise a partial summary of what is journaled so far. */
  status: RunStatus;
  createdAt: string;
  completedAt?: string;
  counts: CohortCounts & { total?: number };
  /** Catalog order; `excludedHere`/`remainingAfter` are the funnel. */
  criteria: CriterionCounts[];
  newCandidates: { comparedWith: string | null; patients: NewCandidate[] };
  failures: { patientId: string; code: string; reason: string }[];
  /** What the selection could not do (no patient data). */
  warnings: string[];
  generator: { name: 'eligo'; version: string };
}
