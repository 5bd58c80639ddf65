import type { Outcome } from '../../report/types';
import type { CohortSummary } from '../summary/types';

export const OUTCOME_LABELS: readonly [Outcome, string][] = [
  ['eligible', 'Eligible'],
  ['potential-candidate', 'Potential candidate'],
  ['ineligible', 'Ineligible'],
];

/** One line about the run, for headers. */
export function runLine(summary: CohortSummary): string {
  const d = summary.definition;
  const parts = [
    `trial ${summary.trial.id} v${summary.trial.version}`,
    `as of ${d.asOf}`,
    ...(d.leukapheresisDate ? [`leukapheresis ${d.leukapheresisDate}`] : []),
    `candidates: ${summary.candidates}`,
    `status ${summary.status}`,
    ...(summary.completedAt ? [`completed ${summary.completedAt}`] : []),
  ];
  return parts.join('; ');
}
