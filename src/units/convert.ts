import { UcumLhcUtils } from '@lhncbc/ucum-lhc';
import { ambiguousSpelling, toUcum } from './spellings';

/**
 * Unit conversion for lab values, on ucum-lhc. ucum-lhc parses a unit string on every call
 * (tens of microseconds), so each (from, to, molar mass) triple is planned once and cached:
 * linear conversions become a single factor, the rare affine ones (temperatures) keep
 * calling ucum-lhc. The module loads ucum-lhc's definitions when it is imported and does no
 * I/O afterwards.
 */

export type Conversion = { ok: true; value: number } | { ok: false; reason: string };

type Plan =
  | { kind: 'factor'; factor: number }
  /** Not a plain multiplication (e.g. Cel to [degF]): ask ucum-lhc each time. */
  | { kind: 'affine'; from: string; to: string; molarMass: number | undefined }
  | { kind: 'impossible'; reason: string };

const ucum = UcumLhcUtils.getInstance();
const plans = new Map<string, Plan>();
const unitProblems = new Map<string, string | null>();

/** Annotations that only say what is counted ("{cells}/uL"); they do not change the quantity. */
const COUNT_ANNOTATIONS = new Set(['{cells}', '{cell}', '{count}', '{#}']);
/** A UCUM atom for the enzyme unit "U", not part of a bracketed name. */
const ENZYME_UNIT_ATOM = /(^|[^A-Za-z[\]'_])[kmunp]?U(?![A-Za-z'\]_])/;
/** Stand-in for an arbitrary unit so ucum-lhc applies prefixes to it (candela never appears in labs). */
const ARBITRARY_PLACEHOLDER = 'cd';

/**
 * Convert `value` from one unit to another. `molarMass` (g/mol) allows mass <-> substance
 * conversions (creatinine 113.12, bilirubin 584.66). Never guesses: a unit that cannot be read
 * or converted gives `ok: false` with a reason naming the unit.
 */
export function convertQuantity(value: number, fromUnit: string, toUnit: string, molarMass?: number): Conversion {
  if (typeof value !== 'number' || !Number.isFinite(value)) return { ok: false, reason: `${String(value)} is not a finite number` };
  const plan = planFor(fromUnit, toUnit, molarMass);
  switch (plan.kind) {
    case 'factor':
      return { ok: true, value: plan.factor === 1 ? value : significant(value * plan.factor) };
    case 'affine': {
      const result = ucum.convertUnitTo(plan.from, value, plan.to, plan.molarMass === undefined ? {} : { molecularWeight: plan.molarMass });
      if (result.status !== 'succeeded' || result.toVal === null) return { ok: false, reason: describeFailure(fromUnit, toUnit, result.msg) };
      return { ok: true, value: significant(result.toVal) };
    }
    case 'impossible':
      return { ok: false, reason: plan.reason };
  }
}

/** The multiplier from one unit to another, when the conversion is a plain multiplication. */
export function conversionFactor(fromUnit: string, toUnit: string, molarMass?: number): { ok: true; factor: number } | { ok: false; reason: string } {
  const plan = planFor(fromUnit, toUnit, molarMass);
  switch (plan.kind) {
    case 'factor':
      return { ok: true, factor: plan.factor };
    case 'affine':
      return { ok: false, reason: `"${fromUnit}" to "${toUnit}" is not a plain multiplication` };
    case 'impossible':
      return { ok: false, reason: plan.reason };
  }
}

/** Why a unit cannot be used, or undefined when UCUM (after spelling fixes) reads it. */
export function unitProblem(unit: string): string | undefined {
  const ucumCode = toUcum(unit);
  if (ucumCode === '') return 'no unit given';
  return problemOf(unit, ucumCode);
}

function planFor(fromUnit: string, toUnit: string, molarMass: number | undefined): Plan {
  const key = `${fromUnit}\u0001${toUnit}\u0001${molarMass ?? ''}`;
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = buildPlan(String(fromUnit ?? ''), String(toUnit ?? ''), molarMass);
    plans.set(key, plan);
  }
  return plan;
}

function buildPlan(fromUnit: string, toUnit: string, molarMass: number | undefined): Plan {
  const from = toUcum(fromUnit);
  const to = toUcum(toUnit);
  if (to === '') return impossible(`no target unit given for "${fromUnit}"`);
  const toProblem = problemOf(toUnit, to);
  if (toProblem !== undefined) return impossible(toProblem);
  if (from === '' || from === '1') {
    // A unitless number only stands for a dimensionless result (an INR, a ratio, a score).
    if (to === '1' || isPureAnnotation(to) || to === from) return { kind: 'factor', factor: 1 };
    if (from === '') return impossible(`the value has no unit, so it cannot be read as "${toUnit}"`);
  }
  const fromProblem = problemOf(fromUnit, from);
  if (fromProblem !== undefined) return impossible(fromProblem);
  if (from === to) return { kind: 'factor', factor: 1 };
  if (from === '1' && isPureAnnotation(to)) return { kind: 'factor', factor: 1 };
  if (to === '1' && isPureAnnotation(from)) return { kind: 'factor', factor: 1 };

  // UCUM gives every annotation the value 1, so {titer} would "convert" to % or {INR}.
  // Different annotations are different kinds of result: refuse.
  if (significantAnnotations(from) !== significantAnnotations(to)) {
    return impossible(`"${fromUnit}" and "${toUnit}" measure different things (their annotations differ)`);
  }

  const direct = tryUcum(from, to, molarMass);
  if (direct.ok) {
    const scales = differentDimensionlessScales(from, to);
    if (scales) return impossible(`"${fromUnit}" and "${toUnit}" are different dimensionless scales; they convert only where the analyte's mapping declares how`);
    return direct.plan;
  }
  const arbitrary = withArbitraryUnitsAsOrdinary(from, to, molarMass);
  if (arbitrary) return arbitrary;
  const enzyme = withInternationalUnitAsEnzymeUnit(from, to, molarMass);
  if (enzyme) return enzyme;
  return impossible(describeFailure(fromUnit, toUnit, direct.messages));
}

function tryUcum(from: string, to: string, molarMass: number | undefined): { ok: true; plan: Plan } | { ok: false; messages: string[] } {
  const options = molarMass === undefined ? {} : { molecularWeight: molarMass };
  const one = ucum.convertUnitTo(from, 1, to, options);
  if (one.status !== 'succeeded' || one.toVal === null || !Number.isFinite(one.toVal)) return { ok: false, messages: one.msg };
  const zero = ucum.convertUnitTo(from, 0, to, options).toVal;
  const hundred = ucum.convertUnitTo(from, 100, to, options).toVal;
  const linear = zero !== null && Math.abs(zero) < 1e-12 && hundred !== null && Math.abs(hundred - 100 * one.toVal) <= 1e-9 * Math.abs(hundred);
  if (linear) return { ok: true, plan: { kind: 'factor', factor: significant(one.toVal) } };
  return { ok: true, plan: { kind: 'affine', from, to, molarMass } };
}

/**
 * ucum-lhc refuses any conversion involving an arbitrary unit such as [IU], even
 * [IU]/L to m[IU]/mL. UCUM allows an arbitrary unit to convert to itself, so when both
 * sides use the same one it is swapped for a placeholder base unit and only the prefixes
 * and the other atoms are converted.
 */
function withArbitraryUnitsAsOrdinary(from: string, to: string, molarMass: number | undefined): Plan | undefined {
  const fromAtoms = bracketAtoms(from);
  const toAtoms = bracketAtoms(to);
  if (fromAtoms.length !== 1 || toAtoms.length !== 1 || fromAtoms[0] !== toAtoms[0]) return undefined;
  const atom = fromAtoms[0] as string;
  if (from.includes(ARBITRARY_PLACEHOLDER) || to.includes(ARBITRARY_PLACEHOLDER)) return undefined;
  const attempt = tryUcum(from.split(atom).join(ARBITRARY_PLACEHOLDER), to.split(atom).join(ARBITRARY_PLACEHOLDER), molarMass);
  return attempt.ok ? attempt.plan : undefined;
}

/**
 * The enzyme unit U was introduced as the "International Unit" of enzyme activity, and labs
 * write ALT as "IU/L" and "U/L" interchangeably (likewise mIU/mL and mU/mL for hormones).
 * UCUM keeps [IU] apart because it also names WHO reference-preparation units; lab reports
 * use the two as the same unit, so a result in [IU] converts to a U-based unit and back.
 */
function withInternationalUnitAsEnzymeUnit(from: string, to: string, molarMass: number | undefined): Plan | undefined {
  const fromHasIu = from.includes('[IU]');
  const toHasIu = to.includes('[IU]');
  if (fromHasIu === toHasIu) return undefined;
  const other = fromHasIu ? to : from;
  if (!ENZYME_UNIT_ATOM.test(other)) return undefined;
  const attempt = tryUcum(from.split('[IU]').join('U'), to.split('[IU]').join('U'), molarMass);
  return attempt.ok ? attempt.plan : undefined;
}

function problemOf(raw: string, ucumCode: string): string | undefined {
  let problem = unitProblems.get(ucumCode);
  if (problem === undefined) {
    const ambiguous = ambiguousSpelling(ucumCode);
    if (ambiguous !== undefined) problem = ambiguous;
    else {
      const validation = ucum.validateUnitString(ucumCode, false, 'convert');
      problem = validation.status === 'valid' ? null : validation.msg.join(' ').trim() || 'not a UCUM unit';
    }
    unitProblems.set(ucumCode, problem);
  }
  if (problem === null) return undefined;
  const spelled = raw.trim() === ucumCode ? '' : ` (read as "${ucumCode}")`;
  return `unit "${raw}"${spelled} cannot be read: ${problem}`;
}

function describeFailure(fromUnit: string, toUnit: string, messages: readonly string[]): string {
  const detail = messages.join(' ').replace(/\s+/g, ' ').trim();
  return `cannot convert "${fromUnit}" to "${toUnit}"${detail ? `: ${detail}` : ''}`;
}

function isPureAnnotation(ucumCode: string): boolean {
  return /^\{[^{}]*\}$/.test(ucumCode);
}

/**
 * The annotations that name a kind of result: a standalone one ({titer}, {INR}, the {1.73_m2} of
 * eGFR). One attached to a unit atom (mg/g{creat}, "g of creatinine") only says what was weighed
 * and does not change the unit (CONVENTIONS "Values as sites send them").
 */
function significantAnnotations(ucumCode: string): string {
  const found = standaloneAnnotations(ucumCode);
  if (!found) return '';
  return found
    .map((a) => a.toLowerCase())
    .filter((a) => !COUNT_ANNOTATIONS.has(a))
    .sort()
    .join('');
}

function standaloneAnnotations(ucumCode: string): string[] | null {
  const out: string[] = [];
  for (const m of ucumCode.matchAll(/\{[^{}]*\}/g)) {
    const before = m.index === 0 ? '' : ucumCode[m.index - 1];
    if (before === '' || before === '/' || before === '.' || before === '(') out.push(m[0]);
  }
  return out.length > 0 ? out : null;
}

/** The unit with annotations attached to an atom removed (mg/g{creat} is mg/g). */
export function withoutAttachedAnnotations(ucumCode: string): string {
  return ucumCode.replace(/\{[^{}]*\}/g, (a, at: number) => {
    const before = at === 0 ? '' : ucumCode[at - 1];
    return before === '' || before === '/' || before === '.' || before === '(' ? a : '';
  });
}

/** A unit as eligo compares it: the UCUM code for the spelling, attached annotations dropped. */
export function unitKey(unit: string): string {
  // Asked for every numeric result a criterion reads, of the few units a population uses.
  let key = unitKeys.get(unit);
  if (key === undefined) {
    key = withoutAttachedAnnotations(toUcum(unit));
    if (unitKeys.size >= 10_000) unitKeys.clear();
    unitKeys.set(unit, key);
  }
  return key;
}

const unitKeys = new Map<string, string>();

const dimensionless = new Map<string, boolean>();
function isDimensionless(ucumCode: string): boolean {
  let known = dimensionless.get(ucumCode);
  if (known === undefined) {
    const r = ucum.convertUnitTo(ucumCode, 1, '1');
    known = r.status === 'succeeded' && r.toVal !== null;
    dimensionless.set(ucumCode, known);
  }
  return known;
}

/** Base atoms a metric prefix may stand before, for "the same ratio at another scale" (mg/g and g/g). */
const PREFIXABLE = new Set(['g', 'mol', 'L', 'l', 'eq', 'm', 's', 'U', 'kat', '[IU]']);
const PREFIXES = ['da', 'k', 'h', 'd', 'c', 'm', 'u', 'n', 'p', 'f'];

function scaleKind(ucumCode: string): string {
  return ucumCode
    .replace(/\{[^{}]*\}/g, '')
    .replace(/\[[^\]]*\]|[A-Za-z%']+/g, (atom) => {
      if (PREFIXABLE.has(atom)) return atom;
      const prefix = PREFIXES.find((p) => atom.startsWith(p) && PREFIXABLE.has(atom.slice(p.length)));
      return prefix === undefined ? atom : atom.slice(prefix.length);
    })
    .replace(/[-+\d*^]+/g, '');
}

/**
 * Both units are dimensionless in UCUM but measure on different scales (%, mmol/mol, a plain
 * ratio): UCUM's arithmetic would turn HbA1c 65 mmol/mol into 6.5 %, which is not the clinical
 * relation. Only the same ratio with other prefixes (mg/mg and g/g) is a unit conversion.
 */
function differentDimensionlessScales(from: string, to: string): boolean {
  if (!isDimensionless(from) || !isDimensionless(to)) return false;
  return scaleKind(from) !== scaleKind(to);
}

function bracketAtoms(ucumCode: string): string[] {
  return [...new Set(ucumCode.match(/\[[^\]]*\]/g) ?? [])];
}

function impossible(reason: string): Plan {
  return { kind: 'impossible', reason };
}

/**
 * Binary floating point turns 1500 /uL into 1.4999999999999998 10*9/L, which would fail a
 * ">= 1.5" threshold. Twelve significant digits are far beyond any lab's precision.
 */
function significant(value: number): number {
  return Number(value.toPrecision(12));
}
