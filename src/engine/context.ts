import type { CompiledTrial } from '../mapping/compile';
import type { AnchorDeclaration, AnchorName, CriterionDef } from '../mapping/schema';
import type { CompiledAnalyte, Terminology } from '../mapping/terminology';
import type { Concept, DataGap, DataKind, MedicationExposure, ObservationFact, PatientRecord } from '../record/types';
import { CORRECTING_STATUSES } from '../record/statuses';
import type { AnchorResolution } from './anchors';
import { dayOf, isoOfDay, parseDuration, type Duration } from './dates';
import type { RuleResult } from './result';


export interface EvaluationOptions {
  /** The screening date, YYYY-MM-DD. */
  asOf: string;
  /** Planned leukapheresis date, YYYY-MM-DD; windows "before leukapheresis" count back from it. */
  leukapheresisDate?: string;
  /** Dates of the trial's declared anchors (first dose, randomisation), YYYY-MM-DD by anchor id. */
  anchorDates?: Readonly<Record<string, string>>;
}

export interface AnalyteResult {
  fact: ObservationFact;
  day: number | undefined;
  byText: boolean;
}

export interface ClassifiedExposure {
  exposure: MedicationExposure;
  ingredients: readonly { key: string; byText: boolean; atc: string[] }[];
}

/** Results by analyte, and the results of one analyte at one moment that disagree with nothing to choose between them. */
interface AnalyteIndex {
  index: Map<string, AnalyteResult[]>;
  conflicts: DataGap[];
}

/**
 * Views of one record that read only the record, the terminology and the as-of date, so every
 * trial screening the record (they share the catalog's terminology) reads the same ones: built
 * on first use by any of them, then shared. Held weakly: they go with the record.
 */
interface RecordViews {
  exposures?: ClassifiedExposure[];
  byAsOf: Map<number, AsOfViews>;
}

interface AsOfViews {
  analytes?: AnalyteIndex;
  gaps?: DataGap[];
  /** By kind of view, then by what it is of. */
  named: Map<string, Map<string, unknown>>;
}

const listKeys = new WeakMap<readonly string[], string>();

/** A list of names (a rule's classes or value sets) as one key, worked out once per list. */
export function listKey(list: readonly string[]): string {
  let key = listKeys.get(list);
  if (key === undefined) {
    key = JSON.stringify(list);
    listKeys.set(list, key);
  }
  return key;
}

const sharedViews = new WeakMap<Terminology, WeakMap<PatientRecord, RecordViews>>();

function asOfViewsOf(terminology: Terminology, record: PatientRecord, asOfDay: number): { views: RecordViews; asOf: AsOfViews } {
  let perRecord = sharedViews.get(terminology);
  if (!perRecord) sharedViews.set(terminology, (perRecord = new WeakMap()));
  let views = perRecord.get(record);
  if (!views) perRecord.set(record, (views = { byAsOf: new Map() }));
  let asOf = views.byAsOf.get(asOfDay);
  if (!asOf) views.byAsOf.set(asOfDay, (asOf = { named: new Map() }));
  return { views, asOf };
}

/**
 * Everything a rule needs while one patient is evaluated: the record, the dates, and
 * indexes built on first use and shared by all the trial's criteria.
 */
export class EvalContext {
  readonly asOfDay: number;
  readonly leukapheresisDay: number | undefined;
  private readonly criterionResults = new Map<string, RuleResult>();
  private codesByReference: Map<string, Concept[]> | undefined;
  /** Anchors read from the record, by id. */
  private readonly recordAnchors: Map<string, AnchorDeclaration>;
  /** The day a record anchor stands on while a rule counting from it is evaluated (anchors.ts). */
  private readonly anchorDays = new Map<string, number>();
  /** Each record anchor's event, found once per patient. */
  readonly anchorResolutions = new Map<string, AnchorResolution>();
  private readonly views: RecordViews;
  private readonly asOfViews: AsOfViews;

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
    const { views, asOf: asOfViews } = asOfViewsOf(trial.terminology, record, asOf);
    this.views = views;
    this.asOfViews = asOfViews;
    this.recordAnchors = new Map(trial.def.anchors.filter((a) => a.fromRecord).map((a) => [a.id, a]));
  }

  /** The declaration of an anchor read from the record, or undefined for one given at screening. */
  recordAnchor(anchor: AnchorName): AnchorDeclaration | undefined {
    return this.recordAnchors.get(anchor);
  }

  /** Runs `fn` with a record anchor standing on `day` (its event's date, or one day of a partial date). */
  withAnchorDay<T>(anchor: AnchorName, day: number, fn: () => T): T {
    const before = this.anchorDays.get(anchor);
    this.anchorDays.set(anchor, day);
    try {
      return fn();
    } finally {
      if (before === undefined) this.anchorDays.delete(anchor);
      else this.anchorDays.set(anchor, before);
    }
  }

  /**
   * A view of the record built once and shared by every trial screening it as of the same date
   * (the exposures of some classes, say): `kind` names the view, `of` what it is of. `build`
   * may read only the record, the terminology and the as-of date, never the trial or its other
   * anchors, and `kind` and `of` must say all else it depends on. Views are never undefined.
   */
  shared<T extends object>(kind: string, of: string, build: () => T): T {
    let views = this.asOfViews.named.get(kind);
    if (!views) this.asOfViews.named.set(kind, (views = new Map()));
    let view = views.get(of) as T | undefined;
    if (view === undefined) {
      view = build();
      views.set(of, view);
    }
    return view;
  }

  get terminology() {
    return this.trial.terminology;
  }

  /** The day of an anchor given with the screening, or undefined (asOf is always given). */
  private givenAnchorDay(anchor: AnchorName): number | undefined {
    if (anchor === 'asOf') return this.asOfDay;
    if (anchor === 'leukapheresis') return this.leukapheresisDay;
    // A record anchor's date comes from its event only (anchors.ts), never from the caller.
    if (this.recordAnchors.has(anchor)) return this.anchorDays.get(anchor);
    return dayOf(this.options.anchorDates?.[anchor]);
  }

  /** Windows before an anchor whose date was not given count back from the as-of date (CONVENTIONS.md, as for leukapheresis). */
  anchorDay(anchor: AnchorName): number {
    return this.givenAnchorDay(anchor) ?? this.asOfDay;
  }

  anchorName(anchor: AnchorName): string {
    const fromRecord = this.recordAnchors.get(anchor);
    const day = this.anchorDays.get(anchor);
    if (fromRecord && day !== undefined) return `${fromRecord.display} (${isoOfDay(day)})`;
    if (anchor === 'asOf' || this.givenAnchorDay(anchor) === undefined) return 'screening';
    return anchor === 'leukapheresis' ? 'leukapheresis' : (this.trial.def.anchors.find((a) => a.id === anchor)?.display ?? anchor);
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
    // Several trials screening one record share the index (same terminology, same as-of).
    this.asOfViews.analytes ??= this.buildAnalyteIndex();
    return this.asOfViews.analytes.index.get(analyteKey) ?? [];
  }

  private buildAnalyteIndex(): AnalyteIndex {
    const conflicts: DataGap[] = [];
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
    for (const [key, list] of index) index.set(key, latestFirst(list, conflicts));
    return { index, conflicts };
  }

  /** The record's gaps, plus what only the as-of date reveals: data dated after it, and conflicting results. */
  gaps(): DataGap[] {
    if (!this.asOfViews.gaps) {
      const future: DataGap[] = [];
      const after = (kind: DataKind, reference: string, date: string | undefined, concept: Concept): void => {
        const day = dayOf(date);
        if (day !== undefined && day > this.asOfDay) {
          future.push({ kind, severity: 'future', where: reference, reason: `${reference} is dated ${date?.slice(0, 10) ?? ''}, after the as-of date`, concept });
        }
      };
      const r = this.record;
      for (const c of r.conditions) after('Condition', c.reference, c.onset ?? c.recordedDate, c.code);
      for (const p of r.procedures) after('Procedure', p.reference, p.date, p.code);
      for (const i of r.immunizations) after('Immunization', i.reference, i.date, i.vaccine);
      for (const m of r.medications) after(m.source, m.reference, m.start, m.concept);
      for (const o of r.observations) if (o.value?.kind === 'coded') after('Observation', o.reference, o.date, o.value.concept);
      for (const e of r.encounters) {
        // A stay is about its reasons; one with none coded may be about anything an encounter rule asks.
        const about = e.reasons.find((reason) => reason.concept)?.concept;
        const day = dayOf(e.start);
        if (day !== undefined && day > this.asOfDay) {
          future.push({ kind: 'Encounter', severity: 'future', where: e.reference, reason: `${e.reference} is dated ${e.start?.slice(0, 10) ?? ''}, after the as-of date`, ...(about ? { concept: about } : {}) });
        }
      }
      for (const f of r.familyHistory) for (const c of f.conditions) after('FamilyMemberHistory', f.reference, f.date, c);
      // Conflicts between results are found while indexing them.
      this.asOfViews.analytes ??= this.buildAnalyteIndex();
      this.asOfViews.gaps = [...r.gaps, ...future, ...this.asOfViews.analytes.conflicts];
    }
    return this.asOfViews.gaps;
  }

  /**
   * The codes of the record's Condition, Procedure or Observation of a "Type/id" (what an
   * encounter's reasonReference or diagnosis names), or undefined when the record has none.
   */
  resolveCode(reference: string): Concept[] | undefined {
    if (!this.codesByReference) {
      const index = new Map<string, Concept[]>();
      const add = (ref: string, code: Concept): void => {
        const list = index.get(ref);
        if (list) list.push(code);
        else index.set(ref, [code]);
      };
      for (const c of this.record.conditions) add(c.reference, c.code);
      for (const p of this.record.procedures) add(p.reference, p.code);
      for (const o of this.record.observations) {
        if (o.fromReport === true) continue;
        add(o.reference, o.code);
        if (o.value?.kind === 'coded') add(o.reference, o.value.concept);
      }
      this.codesByReference = index;
    }
    return this.codesByReference.get(reference);
  }

  exposures(): ClassifiedExposure[] {
    this.views.exposures ??= this.record.medications.map((exposure) => ({
      exposure,
      ingredients: this.terminology.ingredientsOf([exposure.concept, ...exposure.ingredientConcepts]),
    }));
    return this.views.exposures;
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

/**
 * Newest first (CONVENTIONS.md "Which result is the latest"): by effective day, then moment
 * (time and zone), then `issued`; undated results last, since they cannot be "the most
 * recent". Of several results for one effective moment the correction (or the later issued)
 * replaces the others; results that disagree with nothing to choose between them are a
 * conflict (added to `conflicts`), never settled by the order of the input.
 */
function latestFirst(list: AnalyteResult[], conflicts: DataGap[]): AnalyteResult[] {
  list.sort(newestFirst);
  const kept: AnalyteResult[] = [];
  for (const r of list) {
    const previous = kept[kept.length - 1];
    if (!previous || previous.day === undefined || !sameMoment(previous.fact, r.fact)) {
      kept.push(r);
      continue;
    }
    // `previous` sorts first: a correction, or the later issued, or the same rank.
    if (rank(previous.fact) === rank(r.fact) && previous.fact.issued === r.fact.issued && !sameValue(previous.fact, r.fact)) {
      conflicts.push(conflictOf(previous.fact, r.fact));
    }
  }
  return kept;
}

function rank(fact: ObservationFact): number {
  return CORRECTING_STATUSES.has(fact.status) ? 1 : 0;
}

function newestFirst(a: AnalyteResult, b: AnalyteResult): number {
  if (a.day !== b.day) return (b.day ?? -Infinity) - (a.day ?? -Infinity);
  const byMoment = (b.fact.instant ?? -Infinity) - (a.fact.instant ?? -Infinity);
  if (byMoment !== 0 && !Number.isNaN(byMoment)) return byMoment;
  const byRank = rank(b.fact) - rank(a.fact);
  if (byRank !== 0) return byRank;
  const byIssued = (b.fact.issued ?? -Infinity) - (a.fact.issued ?? -Infinity);
  return Number.isNaN(byIssued) ? 0 : byIssued;
}

function sameMoment(a: ObservationFact, b: ObservationFact): boolean {
  if (a.instant !== undefined && b.instant !== undefined) return a.instant === b.instant;
  return a.date === b.date;
}

function sameValue(a: ObservationFact, b: ObservationFact): boolean {
  return JSON.stringify(a.value ?? null) === JSON.stringify(b.value ?? null) && a.valueProblem === b.valueProblem;
}

function conflictOf(a: ObservationFact, b: ObservationFact): DataGap {
  const where = a.reference === b.reference ? a.reference : `${a.reference} and ${b.reference}`;
  return {
    kind: 'Observation',
    severity: 'conflict',
    where,
    reason: `${where} report different results for the same moment (${a.date ?? 'undated'}) and neither corrects the other`,
    concept: a.code,
  };
}
