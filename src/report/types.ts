/**
 * The eligibility report: the JSON contract of the CLI, the HTTP API and write-back.
 * Criterion ids and statuses follow ../shared/trials/CONVENTIONS.md verbatim.
 */

export type CriterionStatus = 'met' | 'not_met' | 'unknown' | 'review';

export type Outcome = 'eligible' | 'ineligible' | 'potential-candidate';

export interface EvidenceItem {
  /** FHIR reference of the resource used, e.g. "Observation/123". */
  reference: string;
  /** The value after conversion (number), or the code/text that matched. */
  value?: number | string;
  unit?: string;
  date?: string;
  /** How the value was read or matched, e.g. "matched by display text", "assumed upper limit". */
  note?: string;
}

export interface CriterionResult {
  id: string;
  type: 'inclusion' | 'exclusion';
  status: CriterionStatus;
  /** One line for a person. */
  explanation: string;
  evidence: EvidenceItem[];
  /** For a washout: the first date the window is clear, or "after discontinuation". */
  resolvesOn?: string;
  /** What data is missing or stale, when status is unknown. */
  missing?: string[];
  /** What a person must confirm, when status is review. */
  confirm?: string;
  manual?: boolean;
}

export interface EligibilityReport {
  trial: string;
  trialVersion?: string;
  patient: string;
  asOf: string;
  leukapheresisDate?: string;
  outcome: Outcome;
  /**
   * Why the outcome is not the one the criteria alone give: the patient is recorded as
   * deceased, or linked records of the same person could not be read.
   */
  outcomeReasons?: string[];
  criteria: CriterionResult[];
  /** Criterion ids grouped for a person: what blocks, what is missing, what to confirm. */
  summary: {
    notMet: string[];
    unknown: string[];
    review: string[];
    awaitingWashout: string[];
  };
  /** Data problems met while building the record (skipped resources and why). */
  warnings: { where: string; message: string }[];
  generator: { name: 'eligo'; version: string };
}
