import type { CompiledTrial } from '../mapping/compile';
import type { CriterionDef } from '../mapping/schema';
import type { CompiledAnalyte } from '../mapping/terminology';
import type { MedicationExposure, ObservationFact, PatientRecord } from '../record/types';
import { dayOf, parseDuration, type Duration } from './dates';
import type { RuleResult } from './result';

const sharedIndexes = new WeakMap<object, WeakMap<PatientRecord, { asOfDay: number; index: Map<string, AnalyteResult[]> }>>();

export interface EvaluationOptions {
  /** The screening date, YYYY-MM-DD. */
  asOf: string;
  /** Planned leukapheresis date, YYYY-MM-DD; windows "before leukapheresis" count back from it. */
  leukapheresisDate?: string;
}

export interface AnalyteResult {
  fact: ObservationFact;
  day: number | undefined;
  byText: boolean;
}

export interface ClassifiedExposure {
  exposure: MedicationExposure;
  ingredients: { key: string; byText: boolean; atc: string[] }[];
}

/**
 * Everything a rule needs while one patient is evaluated: the record, the dates, and
 * indexes built on first use and shared by all the trial's criteria.
 */
export class EvalContext {
  readonly asOfDay: number;
  readonly leukapheresisDay: number | undefined;
  private analyteIndex: Map<string, AnalyteResult[]> | undefined;
  private classifiedExposures: ClassifiedExposure[] | undefined;
  private readonly criterionResults = new Map<string, RuleResult>();

  constructor(
    readonly trial: CompiledTrial,
    readonly record: PatientRecord,
    readonly options: EvaluationOptions,
    private readonly evaluateCriterion: (criterion: CriterionDef, ctx: EvalContext) => RuleResult,
  ) {
    const asOf = dayOf(options.asOf);
    if (asOf === undefined) throw new Error(`asOf is not a date: ${options.asOf}`);
    this.asOfDay = asOf;
    this.leukapheresisDay = dayOf(options.leukapheresisDate);
  }

  get terminology() {
    return this.trial.terminology;
  }

  /** "leukapheresis" windows fall back to the as-of date when no date is given (CONVENTIONS.md). */
  anchorDay(anchor: 'asOf' | 'leukapheresis'): number {
    return anchor === 'leukapheresis' ? (this.leukapheresisDay ?? this.asOfDay) : this.asOfDay;
  }

  anchorName(anchor: 'asOf' | 'leukapheresis'): string {
    return anchor === 'leukapheresis' && this.leukapheresisDay !== undefined ? 'leukapheresis' : 'screening';
  }

  duration(text: string): Duration {
    return this.trial.durations.get(text) ?? parseDuration(text);
  }

  analyte(key: string): CompiledAnalyte {
    const analyte = this.terminology.analytes.get(key);
    // Compilation checks every analyte name; reaching this is a programming error.
    if (!analyte) throw new Error(`analyte not compiled: ${key}`);
    return analyte;
  }

  /**
   * Counted results of an analyte, newest first. Results dated after the as-of date are
   * left out: a screening as of a past date sees the chart as it was then.
   */
  results(analyteKey: string): AnalyteResult[] {
    if (!this.analyteIndex) {
      // Several trials screening one record share the index (same terminology, same as-of).
      const perRecord = sharedIndexes.get(this.terminology) ?? new WeakMap();
      sharedIndexes.set(this.terminology, perRecord);
      const cached = perRecord.get(this.record);
      if (cached && cached.asOfDay === this.asOfDay) this.analyteIndex = cached.index;
      else {
        this.analyteIndex = this.buildAnalyteIndex();
        perRecord.set(this.record, { asOfDay: this.asOfDay, index: this.analyteIndex });
      }
    }
    return this.analyteIndex.get(analyteKey) ?? [];
  }

  private buildAnalyteIndex(): Map<string, AnalyteResult[]> {
    const index = new Map<string, AnalyteResult[]>();
    for (const fact of this.record.observations) {
      const analytes = this.terminology.analytesOf(fact.code);
      if (analytes.length === 0) continue;
      const day = dayOf(fact.date);
      if (day !== undefined && day > this.asOfDay) continue;
      for (const { key, byText } of analytes) {
        let list = index.get(key);
        if (!list) index.set(key, (list = []));
        list.push({ fact, day, byText });
      }
    }
    // Undated results sort last: they cannot be "the most recent".
    for (const list of index.values()) list.sort((a, b) => (b.day ?? -Infinity) - (a.day ?? -Infinity));
    return index;
  }

  exposures(): ClassifiedExposure[] {
    if (!this.classifiedExposures) {
      this.classifiedExposures = this.record.medications.map((exposure) => ({
        exposure,
        ingredients: this.terminology.ingredientsOf([exposure.concept, ...exposure.ingredientConcepts]),
      }));
    }
    return this.classifiedExposures;
  }

  criterionResult(id: string): RuleResult {
    const cached = this.criterionResults.get(id);
    if (cached) return cached;
    const criterion = this.trial.byId.get(id);
    // Compilation checks criterion references; reaching this is a programming error.
    if (!criterion) throw new Error(`criterion not compiled: ${id}`);
    const computed = this.evaluateCriterion(criterion, this);
    this.criterionResults.set(id, computed);
    return computed;
  }
}
