import { EligoError } from '../../errors/eligo-error';
import type { CriterionDef } from '../../mapping/schema';
import type { Outcome } from '../../report/types';
import type { PatientRecord } from '../journal/records';

export interface CohortCounts {
  screened: number;
  failed: number;
  byOutcome: Record<Outcome, number>;
  /** Failed patients by error code. */
  failedByCode: Record<string, number>;
}

/** One criterion's counts over the screened patients, in catalog order, with its step in the funnel. */
export interface CriterionCounts {
  id: string;
  type: 'inclusion' | 'exclusion';
  text: string;
  manual: boolean;
  met: number;
  /** not_met that waiting will not resolve. */
  notMet: number;
  /** not_met with resolvesOn: a washout still running. */
  awaitingWashout: number;
  unknown: number;
  review: number;
  /** Patients whose first not_met (catalog order) is this criterion: the funnel's drop at this step. */
  excludedHere: number;
  /** Patients not ruled out by this or any earlier criterion. */
  remainingAfter: number;
}

/**
 * Counts kept as patients are journaled, in memory that does not grow with the cohort: one
 * counter per outcome and per (criterion, status). Reports are never held.
 */
export class CohortTally {
  private screened = 0;
  private failed = 0;
  private readonly byOutcome: Record<Outcome, number> = { eligible: 0, 'potential-candidate': 0, ineligible: 0 };
  private readonly failedByCode: Record<string, number> = {};
  private readonly index: Map<string, number>;
  private readonly notMet: number[];
  private readonly awaiting: number[];
  private readonly unknown: number[];
  private readonly review: number[];
  private readonly excludedHere: number[];
  private readonly criteria: readonly CriterionDef[];
  private readonly countCriteria: boolean;

  /**
   * `criteria` undefined: outcome counts only (the status of a run whose trial has changed
   * since; criterion ids in its journal are then not looked up).
   */
  constructor(criteria?: readonly CriterionDef[]) {
    this.criteria = criteria ?? [];
    this.countCriteria = criteria !== undefined;
    this.index = new Map(this.criteria.map((c, i) => [c.id, i]));
    const zeros = (): number[] => this.criteria.map(() => 0);
    this.notMet = zeros();
    this.awaiting = zeros();
    this.unknown = zeros();
    this.review = zeros();
    this.excludedHere = zeros();
  }

  add(record: PatientRecord): void {
    if (record.type === 'failed') {
      this.failed += 1;
      this.failedByCode[record.code] = (this.failedByCode[record.code] ?? 0) + 1;
      return;
    }
    this.screened += 1;
    this.byOutcome[record.outcome] += 1;
    if (!this.countCriteria) return;
    let first = Number.POSITIVE_INFINITY;
    for (const id of record.notMet) {
      const i = this.position(id);
      this.bump(this.notMet, i);
      first = Math.min(first, i);
    }
    for (const id of record.awaitingWashout) this.bump(this.awaiting, this.position(id));
    for (const id of record.unknown) this.bump(this.unknown, this.position(id));
    for (const id of record.review) this.bump(this.review, this.position(id));
    if (Number.isFinite(first)) this.bump(this.excludedHere, first);
  }

  counts(): CohortCounts {
    return { screened: this.screened, failed: this.failed, byOutcome: { ...this.byOutcome }, failedByCode: { ...this.failedByCode } };
  }

  criterionCounts(): CriterionCounts[] {
    let remaining = this.screened;
    return this.criteria.map((c, i) => {
      const at = (list: number[]): number => list[i] ?? 0;
      remaining -= at(this.excludedHere);
      return {
        id: c.id,
        type: c.type,
        text: c.text,
        manual: c.manual,
        met: this.screened - at(this.notMet) - at(this.awaiting) - at(this.unknown) - at(this.review),
        notMet: at(this.notMet),
        awaitingWashout: at(this.awaiting),
        unknown: at(this.unknown),
        review: at(this.review),
        excludedHere: at(this.excludedHere),
        remainingAfter: remaining,
      };
    });
  }

  private position(id: string): number {
    const i = this.index.get(id);
    // The run refuses to resume under a changed trial, so this cannot happen; counting it nowhere would be silently wrong.
    if (i === undefined) throw new EligoError('ERR_INTERNAL', `journal names criterion "${id}", which the trial does not have`);
    return i;
  }

  private bump(list: number[], i: number): void {
    list[i] = (list[i] ?? 0) + 1;
  }
}
