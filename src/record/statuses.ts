/**
 * CONVENTIONS.md "Which data counts", as tables. A status in neither list (or none at all)
 * does not count either: unknown cases fail closed, and the resource lands in `ignored` with
 * the reason so an explanation can still mention it.
 */

export type Verdict = { counts: true } | { counts: false; reason: string };

interface StatusRule {
  counts: ReadonlySet<string>;
  never: ReadonlySet<string>;
}

const COUNTS: Verdict = { counts: true };

function rule(counts: string[], never: string[]): StatusRule {
  return { counts: new Set(counts), never: new Set(never) };
}

export const OBSERVATION_STATUS = rule(['final', 'amended', 'corrected'], ['preliminary', 'registered', 'cancelled', 'entered-in-error', 'unknown']);

/**
 * As Observation. "appended" is, in the FHIR status hierarchy, a kind of "amended" (a final
 * report with an addendum), so it counts; "partial" is a kind of "preliminary", so it does not.
 */
export const DIAGNOSTIC_REPORT_STATUS = rule(
  ['final', 'amended', 'corrected', 'appended'],
  ['preliminary', 'partial', 'registered', 'cancelled', 'entered-in-error', 'unknown'],
);

export const MEDICATION_STATEMENT_STATUS = rule(['active', 'completed', 'intended', 'on-hold', 'stopped'], ['entered-in-error', 'not-taken', 'unknown']);

export const MEDICATION_REQUEST_STATUS = rule(['active', 'completed', 'on-hold', 'stopped'], ['cancelled', 'entered-in-error', 'draft']);

/** "stopped" is decided by the caller: it counts only when the administration had started. */
export const MEDICATION_ADMINISTRATION_STATUS = rule(['completed', 'in-progress'], ['not-done', 'entered-in-error']);

export const IMMUNIZATION_STATUS = rule(['completed'], ['not-done', 'entered-in-error']);

export const PROCEDURE_STATUS = rule(['completed', 'in-progress'], ['not-done', 'entered-in-error', 'preparation']);

/** Statuses of a result that replaces an earlier one (a correction, an amendment, an addendum). */
export const CORRECTING_STATUSES: ReadonlySet<string> = new Set(['corrected', 'amended', 'appended']);

/** Condition and AllergyIntolerance: any clinical status counts, these verification statuses never do. */
export const RETRACTED_VERIFICATION = new Set(['refuted', 'entered-in-error']);

export function judgeStatus(statusRule: StatusRule, status: string | undefined): Verdict {
  if (status === undefined) return { counts: false, reason: 'no status' };
  if (statusRule.counts.has(status)) return COUNTS;
  if (statusRule.never.has(status)) return { counts: false, reason: `status ${status}` };
  return { counts: false, reason: `status ${status} is not one that counts` };
}
