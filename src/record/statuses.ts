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

// stopped and on-hold were begun: some of it was done (a radiotherapy course cut short was given).
// unknown is neither: the Procedure reader keeps it as a gap (not known done, not known absent).
export const PROCEDURE_STATUS = rule(['completed', 'in-progress', 'stopped', 'on-hold'], ['not-done', 'entered-in-error', 'preparation']);

/**
 * A stay that took place, or is taking place. "planned" has not happened; "unknown" is kept (the
 * source does not know which status applies) and a person confirms a stay it would decide on.
 */
export const ENCOUNTER_STATUS = rule(['arrived', 'triaged', 'in-progress', 'onleave', 'finished', 'unknown'], ['planned', 'cancelled', 'entered-in-error']);

/** health-unknown is kept: it says the relative's history is not known, which is itself an answer. */
export const FAMILY_HISTORY_STATUS = rule(['partial', 'completed', 'health-unknown'], ['entered-in-error']);

/**
 * A request that still stands is a plan: active, or (tentatively, for a person to confirm) a
 * draft, one on hold, or one whose status the source does not know. Revoked and entered-in-error
 * requests are no plan; a completed one is done, and the Procedure records it.
 */
export const SERVICE_REQUEST_STATUS = rule(['active', 'draft', 'on-hold', 'unknown'], ['revoked', 'completed', 'entered-in-error']);

/**
 * ServiceRequest intents that mean the procedure is to be done. "proposal" is a suggestion (a
 * person confirms it is planned); "option" is one choice of a group, not a plan.
 */
export const PLANNING_INTENTS: ReadonlySet<string> = new Set(['plan', 'directive', 'order', 'original-order', 'reflex-order', 'filler-order', 'instance-order', 'proposal']);

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
