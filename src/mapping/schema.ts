import { z } from 'zod';
import { didYouMean } from './issue-text';
import { canonicalSystem, SYSTEM_ALIASES } from './systems';

/**
 * The mapping files' schemas. They are the types (`z.infer`) and the error messages:
 * a site editing YAML sees which field failed and why.
 */

export const durationSchema = z
  // A bare number ("within: 12") has lost its unit: say which units there are rather than "expected string".
  .string({ error: (issue) => (typeof issue.input === 'number' ? `a duration needs its unit: write "${issue.input}d", "${issue.input}w", "${issue.input}mo" or "${issue.input}y"` : undefined) })
  .regex(/^\d+(d|w|mo|y)$/, 'a duration is a whole number followed by d, w, mo or y, e.g. "7d", "1mo", "6mo"');
export type DurationText = z.infer<typeof durationSchema>;

const codeText = z.union([z.string().min(1), z.number().transform((n) => String(n))]);

/**
 * A code system: one of the short names (SYSTEM_ALIASES) or a URI as written ("http://...",
 * "urn:oid:..."). Anything else is refused: it would be taken as a system no data uses, and its
 * codes would silently match nothing.
 */
const systemSchema = z
  .string()
  .min(1)
  .superRefine((system, ctx) => {
    if (SYSTEM_ALIASES[system] !== undefined || system.includes(':')) return;
    ctx.addIssue({ code: 'custom', message: `unknown code system "${system}": write a short name (${Object.keys(SYSTEM_ALIASES).join(', ')}) or the system's URI${didYouMean(system, Object.keys(SYSTEM_ALIASES))}` });
  });

/** One code, a code prefix (ICD-10 chapters and subcategories) or an inclusive range of ICD categories. */
export const codeEntrySchema = z
  .object({
    system: systemSchema,
    code: codeText.optional(),
    prefix: codeText.optional(),
    range: z.tuple([codeText, codeText]).optional(),
    display: z.string().optional(),
    /**
     * Analyte codes only: the measurement this code is one of (CONVENTIONS.md "Like for like").
     * Trends compare results of one series; codes without a series form one together.
     */
    series: z.string().min(1).optional(),
  })
  .strict()
  .refine((e) => [e.code, e.prefix, e.range].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of code, prefix or range',
  })
  // A range written backwards matches codes outside it, or none: never what was meant.
  .superRefine((e, ctx) => {
    const system = canonicalSystem(e.system);
    if (e.range && (system === SYSTEM_ALIASES.icd10cm || system === SYSTEM_ALIASES.icd10)) {
      // Ranges are compared on a code's first three characters: a bound with more is never reached as meant.
      const category = (code: string): string => code.replace(/\./g, '').slice(0, 3);
      const [from, to] = e.range;
      if (![from, to].every((b) => /^[A-Z][0-9][0-9A-Z]$/.test(b))) {
        ctx.addIssue({ code: 'custom', path: ['range'], message: `an ICD range runs over 3-character categories (every code under them included): write ["${category(from)}", "${category(to)}"]` });
        return;
      }
    }
    if (e.range && e.range[0] > e.range[1]) {
      ctx.addIssue({ code: 'custom', path: ['range'], message: `range ["${e.range[0]}", "${e.range[1]}"] runs backwards: write the lower code first, ["${e.range[1]}", "${e.range[0]}"]` });
    }
  });
export type CodeEntry = z.infer<typeof codeEntrySchema>;

/** A set of codes plus the names a site may send as text only. */
export const valueSetSchema = z
  .object({
    display: z.string().min(1),
    description: z.string().optional(),
    codes: z.array(codeEntrySchema).default([]),
    exclude: z.array(codeEntrySchema).default([]),
    /**
     * Lower-case phrases matched against code.text and coding.display, marked as a text match.
     * A text match alone is `review`; `{ name, decisive: true }` marks a name that decides by itself
     * (for data that has no standard code, see CONVENTIONS.md "Data with no standard code").
     */
    names: z.array(z.union([z.string().min(2), z.object({ name: z.string().min(2), decisive: z.boolean().default(false) }).strict()])).default([]),
    /** Names that decide by themselves, as `{ name, decisive: true }` does (the usual names of data with no standard code). */
    decisiveNames: z.array(z.string().min(2)).default([]),
    /** Other value sets whose members belong here too. */
    include: z.array(z.string()).default([]),
    /**
     * For conditions of a time-limited kind (pregnancy, acute infection, MI): a match with no
     * abatement counts as active only this long after its onset; past it the criterion is
     * `review` (CONVENTIONS.md "Acute conditions never closed").
     */
    acuteHorizon: durationSchema.optional(),
  })
  .strict();
export type ValueSetDef = z.infer<typeof valueSetSchema>;

export const analyteSchema = z
  .object({
    display: z.string().min(1),
    /** Canonical UCUM unit values are converted to before comparison. */
    unit: z.string(),
    /** g/mol, for mass <-> substance conversions (creatinine 113.12, bilirubin 584.66). */
    molarMass: z.number().positive().optional(),
    codes: z.array(codeEntrySchema).min(1),
    names: z.array(z.string().min(2)).default([]),
    /** Upper limit of normal assumed when a result carries no referenceRange.high (in `unit`). */
    defaultUpperLimit: z.number().positive().optional(),
    defaultLowerLimit: z.number().optional(),
    /**
     * Broader tests whose negative result shows this finding absent (no casts of any kind seen:
     * no red cell casts); a positive one does not show it present (CONVENTIONS.md).
     */
    shownAbsentBy: z.array(z.string().min(1)).default([]),
    /** Default "at screening" lookback for this analyte (30d when absent; 90d for PFT and echo). */
    lookback: durationSchema.optional(),
    /** Why a non-standard code was chosen, for analytes with no standard code. */
    note: z.string().optional(),
    /** Values outside [min, max] (in `unit`, after conversion) are implausible: the result is `unknown`. */
    plausible: z.object({ min: z.number(), max: z.number() }).strict().optional(),
    /** The unit a result with no unit is read in (INR, scores); without it a unit-less value is `unknown`. */
    unitlessAs: z.string().optional(),
    /**
     * Conversions from another scale into `unit` that are not unit arithmetic (HbA1c IFCC mmol/mol
     * to NGSP %): value in `unit` = multiply × value + add. Conversions between dimensionless units
     * happen only through these.
     */
    conversions: z.array(z.object({ from: z.string().min(1), multiply: z.number(), add: z.number().default(0), source: z.string().optional() }).strict()).default([]),
  })
  .strict();
export type AnalyteDef = z.infer<typeof analyteSchema>;

export const productSchema = z
  .object({
    system: systemSchema.default('rxnorm'),
    code: codeText,
    display: z.string().optional(),
    /** Amount of the ingredient per unit of product, in mg (a tablet, a mL). */
    strengthMg: z.number().positive().optional(),
  })
  .strict();

export const ingredientSchema = z
  .object({
    display: z.string().min(1),
    rxnorm: z.array(codeText).default([]),
    atc: z.array(codeText).default([]),
    /** SCD/SBD and other product codes that contain this ingredient. */
    products: z.array(productSchema).default([]),
    names: z.array(z.string().min(2)).default([]),
    /** Milligrams of prednisone equivalent to 1 mg of this corticosteroid. */
    prednisoneFactor: z.number().positive().optional(),
  })
  .strict();
export type IngredientDef = z.infer<typeof ingredientSchema>;

export const medicationClassSchema = z
  .object({
    display: z.string().min(1),
    ingredients: z.array(z.string()).default([]),
    /** ATC prefixes that belong to the class (e.g. H02AB for systemic glucocorticoids). */
    atcPrefixes: z.array(z.string()).default([]),
    /** Other classes included whole. */
    include: z.array(z.string()).default([]),
  })
  .strict();
export type MedicationClassDef = z.infer<typeof medicationClassSchema>;

export const terminologyFileSchema = z
  .object({
    analytes: z.record(z.string(), analyteSchema).default({}),
    ingredients: z.record(z.string(), ingredientSchema).default({}),
    medicationClasses: z.record(z.string(), medicationClassSchema).default({}),
    valueSets: z.record(z.string(), valueSetSchema).default({}),
    /** Route value set names counted as systemic (oral, IV, IM, SC...). */
    systemicRoutes: z.array(codeEntrySchema).optional(),
  })
  .strict();
export type TerminologyFile = z.infer<typeof terminologyFileSchema>;

// ---------------------------------------------------------------------------------------------
// Criteria rules: a discriminated union on `kind`.

/**
 * The date a window counts back from: `asOf` (screening), `leukapheresis`, or an anchor the trial
 * declares in `anchors` (first dose, randomisation), given with the screening like the
 * leukapheresis date.
 */
export type AnchorName = string;
/** How the rule reference (docs/rules.md) names an anchor field. */
export const ANCHOR_DESCRIPTION = 'anchor: asOf, leukapheresis or one the trial declares';
// Any name here: the trial's compile step says which anchors there are and suggests the one meant.
const anchorSchema = z.string().min(1, 'an anchor is asOf, leukapheresis or one the trial declares in anchors').describe(ANCHOR_DESCRIPTION).default('asOf');

const comparisonOp = z.enum(['<', '<=', '>', '>=']);

/**
 * Which side of the anchor a `within` window lies: "before" (the default: "within 3 months before
 * screening") or "after" ("within 6 months after the last dose of adjuvant chemotherapy").
 */
export type WindowDirection = 'before' | 'after';
const directionSchema = z.enum(['before', 'after'], { message: 'direction is before (the default) or after the anchor' }).default('before');
/** `direction: after` only says something about a `within` window. */
/**
 * After an anchor without `within` is "any time after it", up to the as-of date. Not after the
 * screening date itself (no data is read there), nor for a planned procedure (its `horizon` says
 * how soon).
 */
const afterNeedsWithin: [(r: { within?: string; direction?: WindowDirection; anchor?: AnchorName; planned?: boolean }) => boolean, { message: string; path: string[] }] = [
  (r) => r.direction !== 'after' || r.within !== undefined || ((r.anchor ?? 'asOf') !== 'asOf' && r.planned !== true),
  {
    message:
      'direction: after without within is any time after the anchor up to the screening date, so it needs an anchor before screening (one read from the record, or one given at screening), not asOf; a planned procedure takes horizon instead',
    path: ['direction'],
  },
];

const labCompareSchema = z.union([
  z.object({ op: comparisonOp, value: z.number(), unit: z.string() }).strict(),
  z.object({ op: comparisonOp, uln: z.number().positive() }).strict(),
  z.object({ is: z.enum(['below_range', 'above_range', 'positive', 'negative']) }).strict(),
  /** Titers: `atLeast: "1:80"`. */
  z.object({ titerAtLeast: z.string().regex(/^1:\d+$/, 'a titer is written 1:N') }).strict(),
]);
export type LabCompare = z.infer<typeof labCompareSchema>;

export type Rule =
  | { kind: 'all'; of: Rule[] }
  | { kind: 'any'; of: Rule[] }
  /**
   * Alternative measures of one quantity (24-hour urine protein or UPCR): the measures that
   * were taken decide as `any` would; one with no result at all is not missing data while
   * another was taken (CONVENTIONS.md "One quantity, several tests").
   */
  | { kind: 'measures'; of: Rule[] }
  | { kind: 'at_least'; n: number; of: Rule[] }
  | { kind: 'not'; rule: Rule }
  | { kind: 'confirm'; rule: Rule; reason: string }
  | { kind: 'manual'; reason: string }
  | { kind: 'criterion'; id: string }
  | { kind: 'age'; min?: number; max?: number }
  | { kind: 'sex'; is: 'female' | 'male' }
  | ConditionRule
  | LabRule
  | MedicationRule
  | WashoutRule
  | ImmunizationRule
  | ProcedureRule
  | AllergyRule
  | EnrolledElsewhereRule
  | TrendRule
  | ScoreRule
  | CockcroftGaultRule
  | AnswerRule
  | ComputedRule
  | MedicationCountRule
  | EncounterRule
  | FamilyHistoryRule;

export interface ConditionRule {
  kind: 'condition';
  valueSets: string[];
  /** Which Conditions count: any recorded, active now, or present within a window. */
  status: 'any' | 'active';
  within?: string;
  /** With `within`: "presence" counts a condition present at any time in the window; "onset" only a new one. */
  withinBy: 'presence' | 'onset';
  anchor: AnchorName;
  /** The window lies before the anchor (default) or after it ("within 30 days after the infarction"). */
  direction?: WindowDirection;
  /** A condition resolved (abatement) longer ago than this does not count. */
  unlessResolvedFor?: string;
  /** "Diagnosed at least 3 months ago": the onset lies at least this long before the anchor. */
  onsetAtLeast?: string;
  /** Also look for the codes in Observation coded values and DiagnosticReport conclusions. */
  includeFindings: boolean;
}

export interface LabRule {
  kind: 'lab';
  analyte: string;
  compare: LabCompare;
  /** "latest" (at screening) or "ever" (any counted result at any time). */
  select: 'latest' | 'ever';
  lookback?: string;
  anchor: AnchorName;
  /** The result does not count when one of these medication classes was given in the days before it. */
  notAfterMedication?: { classes: string[]; within: string };
  /**
   * What no result (or only a stale one) means. "unknown" for inclusions that need the value;
   * "false" where only a positive result matters (a pregnancy test in an exclusion).
   */
  absentIs: 'unknown' | 'false';
  /** "At least 3 months before and at screening": a result this much older than the latest must qualify too. */
  persistsFor?: string;
  /**
   * "Confirmed by a repeat test": the latest result qualifying counts only when an earlier one
   * (a day or more before it, at most this much) qualifies too; without one the latest may be
   * the first test whose repeat is still to come, so the answer is unknown, never false.
   */
  confirmedWithin?: string;
}

export interface MedicationRule {
  kind: 'medication';
  classes: string[];
  /** Exposure overlapping the window before the anchor; absent: at any time. */
  within?: string;
  anchor: AnchorName;
  direction?: WindowDirection;
  /** Cumulative exposure at least this long (union of intervals). */
  minDuration?: string;
  /** Cumulative exposure at most this long (union of intervals, clipped to the window). */
  maxDuration?: string;
  /** Only exposures ongoing at the anchor. */
  ongoing: boolean;
  /** Prednisone-equivalent daily dose bound (corticosteroids). */
  prednisoneMgPerDay?: { op: '<' | '<=' | '>' | '>='; value: number };
  systemicOnly: boolean;
  /** Only exposures given by these routes; one with no route recorded is `review`. */
  routes?: ('intravenous' | 'oral' | 'subcutaneous' | 'intramuscular')[];
  /** Daily dose bound in mg of the ingredient (any drug; dose × product strength × times a day). */
  doseMgPerDay?: { op: '<' | '<=' | '>' | '>='; value: number };
  /** The same daily dose, taken every day, for this long before the anchor ("stable for 3 months"). */
  stableFor?: string;
  /**
   * Days of exposure within a Condition of these value sets (from its onset to its abatement) are
   * not counted by minDuration and maxDuration: "insulin for more than a month, except for
   * gestational diabetes in pregnancy".
   */
  notDuring?: string[];
}

export interface WashoutRule {
  kind: 'washout';
  medicationClasses: string[];
  vaccineValueSets: string[];
  window: string;
  anchor: AnchorName;
  /** Only corticosteroid exposures above this prednisone-equivalent dose count. */
  prednisoneMgPerDayAbove?: number;
  systemicOnly: boolean;
}

export interface ImmunizationRule {
  kind: 'immunization';
  valueSets: string[];
  within?: string;
  anchor: AnchorName;
  direction?: WindowDirection;
}

export interface ProcedureRule {
  kind: 'procedure';
  valueSets: string[];
  within?: string;
  anchor: AnchorName;
  direction?: WindowDirection;
  /** At least this many procedures, each within `maxInterval` of the previous one. */
  minCount: number;
  maxInterval?: string;
  /**
   * Only procedures whose Procedure.bodySite is in one of these value sets ("radiotherapy to the
   * thymus" when the code names no site); one with no site recorded makes a false answer unknown.
   */
  bodySites?: string[];
  /**
   * Planned, not done: a ServiceRequest that asks for it (intent plan, order...; status active,
   * or draft, on hold or a proposal for a person to confirm) or a Procedure in preparation.
   */
  planned: boolean;
  /** Planned only: scheduled no later than this after the anchor; a plan with no date is then for a person to confirm. */
  horizon?: string;
}

/**
 * Encounter classes by name, each the v3 ActCode codes (R4 Encounter.class) it stands for.
 * "inpatient" is a hospital admission of any kind (IMP, and the ACUTE and NONAC it covers).
 */
export const ENCOUNTER_CLASSES = {
  inpatient: ['IMP', 'ACUTE', 'NONAC'],
  emergency: ['EMER'],
  observation: ['OBSENC'],
  'short-stay': ['SS'],
  'pre-admission': ['PRENC'],
  ambulatory: ['AMB'],
  home: ['HH'],
  field: ['FLD'],
  virtual: ['VR'],
} as const satisfies Record<string, readonly string[]>;
export type EncounterClassName = keyof typeof ENCOUNTER_CLASSES;

/**
 * Stays of some classes (or types) for some reasons: "hospitalised for heart failure in the last
 * 12 months". A stay's reasons are its reasonCode, reasonReference and primary diagnosis; a
 * secondary diagnosis, a stay with no reason recorded, one of a class eligo cannot read, or a
 * reason matched only by name are for a person to confirm. A stay with no period is in no window.
 */
export interface EncounterRule {
  kind: 'encounter';
  /** Encounter classes that count (see ENCOUNTER_CLASSES). */
  classes: EncounterClassName[];
  /** Value sets of Encounter.type that count too (a "hospital admission" type on any class). */
  types: string[];
  /** Value sets the stay's reason must be in; none: a stay for any reason. */
  reasons: string[];
  within?: string;
  anchor: AnchorName;
  direction?: WindowDirection;
  /** At least this many distinct stays (a stay that is part of another counts with it). */
  minCount: number;
}

/**
 * A relative's condition (FamilyMemberHistory). No family history recorded at all is not "no
 * family history": EHRs often keep it in notes or not at all, so by default it is `unknown`.
 * A completed record, or "no known family history" (SNOMED CT 160266009), is an answer; a
 * relative whose history is `health-unknown` or has a `dataAbsentReason` leaves it unknown.
 */
export interface FamilyHistoryRule {
  kind: 'family_history';
  valueSets: string[];
  /** Which relatives count: any, blood relatives (no step, foster, adoptive or in-law ones), or first-degree (parents, siblings, children). */
  relatives: 'any' | 'blood' | 'first-degree';
  /** What no family history recorded means: "unknown" (the question may not have been asked), or "false". */
  absentIs: 'unknown' | 'false';
}

export interface AllergyRule {
  kind: 'allergy';
  /** Substances as medication classes or value sets. */
  medicationClasses: string[];
  valueSets: string[];
  /** Any medication allergy qualifies when true (category medication). */
  anyMedication: boolean;
  /** Only severe ones: criticality high, reaction severity severe, or an anaphylaxis manifestation. */
  severeOnly: boolean;
  anaphylaxisValueSet?: string;
}

export interface EnrolledElsewhereRule {
  kind: 'enrolled_elsewhere';
  statuses: string[];
}

export interface TrendRule {
  kind: 'trend';
  analyte: string;
  window: string;
  anchor: AnchorName;
  direction: 'increase' | 'decrease';
  /** Change threshold; strictly greater unless `inclusive`. */
  by: number;
  /** "absolute" in the analyte's unit, or "relative" percent of the earliest value. */
  measure: 'absolute' | 'relative';
  inclusive: boolean;
}

export interface ScoreItem {
  name: string;
  points: number;
  rule: Rule;
}

export interface ScoreRule {
  kind: 'score';
  name: string;
  /** Entry criterion (e.g. ANA >= 1:80 for EULAR/ACR 2019); when false the computed score is 0. */
  entry?: Rule;
  /** Within a domain only the highest item that holds counts. */
  domains: { name: string; items: ScoreItem[] }[];
  threshold: number;
  recorded?: {
    analyte: string;
    threshold: number;
    lookback?: string;
    /** The recorded total only counts with at least this many computed points. */
    minComputed: number;
    /** Points recorded for items that must not count (SLEDAI-2K CNS items). */
    subtract: ScoreItem[];
  };
  /** What a complete computation below the threshold means. */
  completeBelow: 'not_met' | 'unknown';
  /** Items after which the computed score is treated as complete for `completeBelow`. */
  lookback?: string;
}

/**
 * A coded answer of one observation (ECOG performance status LOINC 89247-1 with LA answers,
 * NYHA class, MGFA class, a stage): the latest result's coded value is in one of the value sets.
 * No result is `unknown` (never "not present"); a result answered only in words is `review`.
 */
export interface AnswerRule {
  kind: 'answer';
  /** The analyte whose codes name the observation (its `unit` is unused). */
  observation: string;
  /** Value sets of the answers that meet the criterion. */
  in: string[];
  lookback?: string;
  anchor: AnchorName;
}

/** The formulas a `computed` rule may use: each input and the result in fixed units (see computed.ts). */
export const FORMULAS = {
  bmi: { inputs: { weight: 'kg', height: 'cm' }, unit: 'kg/m2', usesAgeAndSex: false },
  ckd_epi_2021: { inputs: { creatinine: 'mg/dL' }, unit: 'mL/min/{1.73_m2}', usesAgeAndSex: true },
  qtcf: { inputs: { qt: 'ms', rr: 'ms' }, unit: 'ms', usesAgeAndSex: false },
  qtcb: { inputs: { qt: 'ms', rr: 'ms' }, unit: 'ms', usesAgeAndSex: false },
  ratio: { inputs: { numerator: '', denominator: '' }, unit: '1', usesAgeAndSex: false },
  difference: { inputs: { minuend: '', subtrahend: '' }, unit: '', usesAgeAndSex: false },
} as const;
export type FormulaName = keyof typeof FORMULAS;

/**
 * A value computed from others by a declared formula (BMI, eGFR by CKD-EPI 2021, QTcF/QTcB, a
 * ratio or a difference of two results), compared like a lab result. Each input is read as a
 * lab rule reads it (latest within its lookback, stale, unreadable, converted to its unit); a
 * missing input makes the result `unknown`, and the evidence shows every input and the result.
 */
export interface ComputedRule {
  kind: 'computed';
  formula: FormulaName;
  /** Formula input name -> analyte key. */
  inputs: Record<string, string>;
  compare: { op: '<' | '<=' | '>' | '>='; value: number; unit: string };
  lookback?: string;
  anchor: AnchorName;
}

/**
 * How many: distinct drugs (ingredients), drug classes, or courses (episodes: exposures merged
 * across gaps shorter than `gap`) of the given classes, before the anchor or within a window;
 * "1-2 prior lines", "no more than one platinum regimen", "1-3 oral drugs".
 */
export interface MedicationCountRule {
  kind: 'medication_count';
  classes: string[];
  count: 'ingredients' | 'classes' | 'episodes';
  min?: number;
  max?: number;
  within?: string;
  anchor: AnchorName;
  direction?: WindowDirection;
  /** Episodes only: exposures separated by less than this are one course. */
  gap: string;
  systemicOnly: boolean;
}

export interface CockcroftGaultRule {
  kind: 'cockcroft_gault';
  minMlPerMin: number;
  creatinine: string;
  weight: string;
  measuredClearance?: string;
  lookback?: string;
}

const ruleSchema: z.ZodType<Rule, unknown> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('all'), of: z.array(ruleSchema).min(1) }).strict(),
    z.object({ kind: z.literal('any'), of: z.array(ruleSchema).min(1) }).strict(),
    z.object({ kind: z.literal('measures'), of: z.array(ruleSchema).min(2) }).strict(),
    z.object({ kind: z.literal('at_least'), n: z.number().int().positive(), of: z.array(ruleSchema).min(1) }).strict(),
    z.object({ kind: z.literal('not'), rule: ruleSchema }).strict(),
    z.object({ kind: z.literal('confirm'), rule: ruleSchema, reason: z.string().min(1) }).strict(),
    z.object({ kind: z.literal('manual'), reason: z.string().min(1) }).strict(),
    z.object({ kind: z.literal('criterion'), id: z.string().min(1) }).strict(),
    z
      .object({ kind: z.literal('age'), min: z.number().nonnegative().optional(), max: z.number().positive().optional() })
      .strict(),
    z.object({ kind: z.literal('sex'), is: z.enum(['female', 'male']) }).strict(),
    z
      .object({
        kind: z.literal('condition'),
        valueSets: z.array(z.string()).min(1),
        status: z.enum(['any', 'active']).default('any'),
        within: durationSchema.optional(),
        withinBy: z.enum(['presence', 'onset']).default('presence'),
        anchor: anchorSchema,
        direction: directionSchema,
        unlessResolvedFor: durationSchema.optional(),
        onsetAtLeast: durationSchema.optional(),
        includeFindings: z.boolean().default(false),
      })
      .strict()
      .refine(...afterNeedsWithin)
      .refine((r) => !r.onsetAtLeast || !r.includeFindings, { message: "onsetAtLeast reads a Condition's onset, which findings do not have: leave out includeFindings, or write the findings as their own rule", path: ['onsetAtLeast'] }),
    z
      .object({
        kind: z.literal('lab'),
        analyte: z.string().min(1),
        compare: labCompareSchema,
        select: z.enum(['latest', 'ever']).default('latest'),
        lookback: durationSchema.optional(),
        anchor: anchorSchema,
        notAfterMedication: z.object({ classes: z.array(z.string()).min(1), within: durationSchema }).strict().optional(),
        absentIs: z.enum(['unknown', 'false']).default('unknown'),
        persistsFor: durationSchema.optional(),
        confirmedWithin: durationSchema.optional(),
      })
      .strict()
      .refine((r) => r.confirmedWithin === undefined || r.persistsFor === undefined, {
        message: 'write one of persistsFor (a result that much older must qualify too: a finding that lasts) and confirmedWithin (a repeat test within that span must qualify too)',
        path: ['confirmedWithin'],
      })
      .refine((r) => r.confirmedWithin === undefined || r.select === 'latest', { message: 'confirmedWithin confirms the latest result by a repeat; with select: ever any result counts, so leave one of them out', path: ['confirmedWithin'] }),
    z
      .object({
        kind: z.literal('medication'),
        classes: z.array(z.string()).min(1),
        within: durationSchema.optional(),
        anchor: anchorSchema,
        direction: directionSchema,
        minDuration: durationSchema.optional(),
        maxDuration: durationSchema.optional(),
        ongoing: z.boolean().default(false),
        prednisoneMgPerDay: z.object({ op: comparisonOp, value: z.number().nonnegative() }).strict().optional(),
        systemicOnly: z.boolean().default(false),
        routes: z.array(z.enum(['intravenous', 'oral', 'subcutaneous', 'intramuscular'])).min(1).optional(),
        doseMgPerDay: z.object({ op: comparisonOp, value: z.number().nonnegative() }).strict().optional(),
        stableFor: durationSchema.optional(),
        notDuring: z.array(z.string()).min(1).optional(),
      })
      .strict()
      .refine(...afterNeedsWithin)
      .refine((r) => r.maxDuration === undefined || r.stableFor === undefined, { message: 'maxDuration and stableFor do not go together: stableFor asks for every day of its span', path: ['maxDuration'] })
      .refine((r) => r.stableFor === undefined || (r.prednisoneMgPerDay === undefined && r.notDuring === undefined), {
        message: 'stableFor reads the daily dose of the drug itself, so it does not go with prednisoneMgPerDay or notDuring: write the stable dose as its own medication rule beside this one in an all (doseMgPerDay bounds the dose)',
        path: ['stableFor'],
      })
      .refine((r) => r.notDuring === undefined || r.minDuration !== undefined || r.maxDuration !== undefined, {
        message: 'notDuring leaves out the days of exposure within those conditions, so it needs minDuration or maxDuration to count days ("insulin for at most 1 month outside gestational diabetes": maxDuration: 1mo)',
        path: ['notDuring'],
      }),
    z
      .object({
        kind: z.literal('washout'),
        medicationClasses: z.array(z.string()).default([]),
        vaccineValueSets: z.array(z.string()).default([]),
        window: durationSchema,
        anchor: anchorSchema,
        prednisoneMgPerDayAbove: z.number().nonnegative().optional(),
        systemicOnly: z.boolean().default(false),
      })
      .strict(),
    z
      .object({
        kind: z.literal('immunization'),
        valueSets: z.array(z.string()).min(1),
        within: durationSchema.optional(),
        anchor: anchorSchema,
        direction: directionSchema,
      })
      .strict()
      .refine(...afterNeedsWithin),
    z
      .object({
        kind: z.literal('procedure'),
        valueSets: z.array(z.string()).min(1),
        within: durationSchema.optional(),
        anchor: anchorSchema,
        direction: directionSchema,
        minCount: z.number().int().positive().default(1),
        maxInterval: durationSchema.optional(),
        planned: z.boolean().default(false),
        horizon: durationSchema.optional(),
        bodySites: z.array(z.string()).min(1).optional(),
      })
      .strict()
      .refine((r) => !r.planned || r.bodySites === undefined, { message: 'bodySites reads where a procedure was done (Procedure.bodySite); a planned procedure is read from its request: leave out bodySites or planned', path: ['bodySites'] })
      .refine((r) => !r.planned || r.within === undefined, { message: 'a planned procedure is still to come: write horizon (how soon after the anchor it is scheduled), not within', path: ['within'] })
      .refine((r) => !r.planned || (r.minCount === 1 && r.maxInterval === undefined), { message: 'minCount and maxInterval count procedures done; a planned procedure is one plan', path: ['minCount'] })
      .refine((r) => r.planned || r.horizon === undefined, { message: 'horizon is for planned procedures: add planned: true, or write within for procedures done', path: ['horizon'] })
      .refine(...afterNeedsWithin),
    z
      .object({
        kind: z.literal('encounter'),
        classes: z.array(z.enum(Object.keys(ENCOUNTER_CLASSES) as [EncounterClassName, ...EncounterClassName[]], { message: `an encounter class is one of ${Object.keys(ENCOUNTER_CLASSES).join(', ')}` })).default([]),
        types: z.array(z.string().min(1)).default([]),
        reasons: z.array(z.string().min(1)).default([]),
        within: durationSchema.optional(),
        anchor: anchorSchema,
        direction: directionSchema,
        minCount: z.number().int().positive().default(1),
      })
      .strict()
      .refine((r) => r.classes.length > 0 || r.types.length > 0, { message: 'say which stays count: classes (inpatient, emergency...) or types (value sets of Encounter.type), or both', path: ['classes'] })
      .refine(...afterNeedsWithin),
    z
      .object({
        kind: z.literal('family_history'),
        valueSets: z.array(z.string().min(1)).min(1),
        relatives: z.enum(['any', 'blood', 'first-degree'], { message: 'relatives is any, blood or first-degree' }).default('any'),
        absentIs: z.enum(['unknown', 'false']).default('unknown'),
      })
      .strict(),
    z
      .object({
        kind: z.literal('allergy'),
        medicationClasses: z.array(z.string()).default([]),
        valueSets: z.array(z.string()).default([]),
        anyMedication: z.boolean().default(false),
        severeOnly: z.boolean().default(false),
        anaphylaxisValueSet: z.string().optional(),
      })
      .strict(),
    z
      .object({
        kind: z.literal('enrolled_elsewhere'),
        statuses: z
          .array(z.string())
          .default(['on-study', 'on-study-intervention', 'on-study-observation', 'pending-on-study', 'follow-up']),
      })
      .strict(),
    z
      .object({
        kind: z.literal('trend'),
        analyte: z.string().min(1),
        window: durationSchema,
        anchor: anchorSchema,
        direction: z.enum(['increase', 'decrease']),
        by: z.number().positive(),
        measure: z.enum(['absolute', 'relative']),
        inclusive: z.boolean().default(false),
      })
      .strict(),
    z
      .object({
        kind: z.literal('score'),
        name: z.string().min(1),
        entry: ruleSchema.optional(),
        domains: z
          .array(
            z
              .object({
                name: z.string().min(1),
                items: z.array(scoreItemSchema).min(1),
              })
              .strict(),
          )
          .min(1),
        threshold: z.number(),
        recorded: z
          .object({
            analyte: z.string().min(1),
            threshold: z.number(),
            lookback: durationSchema.optional(),
            minComputed: z.number().default(0),
            subtract: z.array(scoreItemSchema).default([]),
          })
          .strict()
          .optional(),
        completeBelow: z.enum(['not_met', 'unknown']).default('unknown'),
        lookback: durationSchema.optional(),
      })
      .strict(),
    z
      .object({
        kind: z.literal('cockcroft_gault'),
        minMlPerMin: z.number().positive(),
        creatinine: z.string().min(1),
        weight: z.string().min(1),
        measuredClearance: z.string().optional(),
        lookback: durationSchema.optional(),
      })
      .strict(),
    z
      .object({
        kind: z.literal('medication_count'),
        classes: z.array(z.string().min(1)).min(1),
        count: z.enum(['ingredients', 'classes', 'episodes'], { message: 'count is ingredients (distinct drugs), classes or episodes (courses)' }),
        min: z.number().int().nonnegative().optional(),
        max: z.number().int().nonnegative().optional(),
        within: durationSchema.optional(),
        anchor: anchorSchema,
        direction: directionSchema,
        gap: durationSchema.default('30d'),
        systemicOnly: z.boolean().default(false),
      })
      .strict()
      .refine(...afterNeedsWithin)
      .refine((r) => r.min !== undefined || r.max !== undefined, { message: 'medication_count needs min, max or both' })
      .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, { message: 'min is more than max: the criterion could never be met' }),
    z
      .object({
        kind: z.literal('answer'),
        observation: z.string().min(1),
        in: z.array(z.string().min(1)).min(1),
        lookback: durationSchema.optional(),
        anchor: anchorSchema,
      })
      .strict(),
    z
      .object({
        kind: z.literal('computed'),
        formula: z.enum(Object.keys(FORMULAS) as [FormulaName, ...FormulaName[]], { message: `a formula is one of ${Object.keys(FORMULAS).join(', ')}` }),
        inputs: z.record(z.string(), z.string().min(1)),
        compare: z.object({ op: comparisonOp, value: z.number(), unit: z.string().min(1, 'compare needs the unit of its value (UCUM)') }).strict(),
        lookback: durationSchema.optional(),
        anchor: anchorSchema,
      })
      .strict(),
  ]),
) as z.ZodType<Rule, unknown>;

const scoreItemSchema: z.ZodType<ScoreItem, unknown> = z.lazy(() =>
  z.object({ name: z.string().min(1), points: z.number(), rule: ruleSchema }).strict(),
) as z.ZodType<ScoreItem, unknown>;

export { ruleSchema };

/** The rule kinds that can pick an anchor event out of the record, and what each may say to pick it. */
export const ANCHOR_EVENT_KINDS = ['condition', 'medication', 'procedure', 'immunization', 'lab', 'answer'] as const;

/**
 * A rule that picks the events an anchor is read from: one of ANCHOR_EVENT_KINDS, with the fields
 * that say which events count (codes, status, route, a window). Fields that weigh many events
 * together (durations, counts, doses over time) belong to the rule that counts from the anchor.
 */
export type AnchorEventRule = Extract<Rule, { kind: (typeof ANCHOR_EVENT_KINDS)[number] }>;
const anchorEventRuleSchema = ruleSchema.superRefine((rule, ctx) => {
  if (!(ANCHOR_EVENT_KINDS as readonly string[]).includes(rule.kind)) {
    ctx.addIssue({ code: 'custom', path: ['kind'], message: `an anchor is read from a ${ANCHOR_EVENT_KINDS.slice(0, -1).join(', ')} or ${ANCHOR_EVENT_KINDS[ANCHOR_EVENT_KINDS.length - 1]} rule, not ${/^[aeiou]/.test(rule.kind) ? 'an' : 'a'} ${rule.kind} rule` });
    return;
  }
  const unused: string[] = [];
  const not = (field: string, written: boolean): void => {
    if (written) unused.push(field);
  };
  if (rule.kind === 'condition') {
    not('unlessResolvedFor', rule.unlessResolvedFor !== undefined);
    not('onsetAtLeast', rule.onsetAtLeast !== undefined);
    not('includeFindings', rule.includeFindings);
  } else if (rule.kind === 'medication') {
    not('minDuration', rule.minDuration !== undefined);
    not('maxDuration', rule.maxDuration !== undefined);
    not('ongoing', rule.ongoing);
    not('prednisoneMgPerDay', rule.prednisoneMgPerDay !== undefined);
    not('doseMgPerDay', rule.doseMgPerDay !== undefined);
    not('stableFor', rule.stableFor !== undefined);
    not('notDuring', rule.notDuring !== undefined);
  } else if (rule.kind === 'procedure') {
    not('minCount', rule.minCount !== 1);
    not('maxInterval', rule.maxInterval !== undefined);
    not('bodySites', rule.bodySites !== undefined);
  } else if (rule.kind === 'lab') {
    not('select', rule.select !== 'latest');
    not('lookback', rule.lookback !== undefined);
    not('notAfterMedication', rule.notAfterMedication !== undefined);
    not('persistsFor', rule.persistsFor !== undefined);
    not('confirmedWithin', rule.confirmedWithin !== undefined);
    not('absentIs', rule.absentIs !== 'unknown');
  } else if (rule.kind === 'answer') {
    // Every result with a listed answer is an event ("the first stage IIIB or IV"), not the latest one.
    not('lookback', rule.lookback !== undefined);
  }
  for (const field of unused) {
    ctx.addIssue({ code: 'custom', path: [field], message: `${field} does not pick an anchor event: an anchor is one event, picked by its codes, status, route and window; write ${field} in the rule that counts from the anchor` });
  }
}) as unknown as z.ZodType<AnchorEventRule, unknown>;

export const anchorDeclarationSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'an anchor id is lower-case words joined by hyphens'),
    display: z.string().min(1),
    /**
     * Read from the record instead of given at screening: the events the rule picks, of which the
     * first or the last, and its start or end date (a Condition's onset or abatement, an exposure's
     * start or end; a procedure, immunization or result has one date).
     */
    fromRecord: z
      .object({
        rule: anchorEventRuleSchema,
        take: z.enum(['first', 'last'], { message: 'take is first or last: which of the events the rule picks is the anchor' }),
        date: z.enum(['start', 'end']).default('start'),
        /**
         * No such event in the record: "unknown" (the default: the event may be recorded elsewhere),
         * or "false" where the protocol makes its absence decide (no adjuvant chemotherapy: not
         * "relapsed within 6 months of it"); every rule counting from the anchor is then false.
         */
        absentIs: z.enum(['unknown', 'false']).default('unknown'),
      })
      .strict()
      .optional(),
  })
  .strict();
export type AnchorDeclaration = z.infer<typeof anchorDeclarationSchema>;
export type AnchorFromRecord = NonNullable<AnchorDeclaration['fromRecord']>;

export const criterionSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, 'criterion ids look like "sle.inc.age"'),
    type: z.enum(['inclusion', 'exclusion']),
    /** The criterion as the protocol words it. */
    text: z.string().min(1),
    /** True for "(manual)" criteria: they stay `review` and do not block `eligible`. */
    manual: z.boolean().default(false),
    rule: ruleSchema,
  })
  .strict();
export type CriterionDef = z.infer<typeof criterionSchema>;

export const trialFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'trial ids are lower-case words joined by hyphens'),
    title: z.string().min(1),
    version: z.string().default('1'),
    description: z.string().optional(),
    identifiers: z.array(z.object({ system: z.string().min(1), value: z.string().min(1) }).strict()).default([]),
    /** Diagnosis value sets used to pick cohort candidates on a server. */
    candidateValueSets: z.array(z.string()).default([]),
    /**
     * Dates other than screening and leukapheresis that windows count from: given at screening
     * (first dose, randomisation: `--anchor first-dose=2026-07-10`, API `anchors`; not given,
     * windows count back from the screening date and say so, as for leukapheresis), or read from
     * the record (`fromRecord`: the last dose of adjuvant chemotherapy, the last infarction).
     */
    anchors: z.array(anchorDeclarationSchema).default([]),
    criteria: z.array(criterionSchema).min(1),
  })
  .strict();
export type TrialFile = z.infer<typeof trialFileSchema>;
