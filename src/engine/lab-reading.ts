import type { CompiledAnalyte } from '../mapping/terminology';
import type { Comparator, ObservationFact } from '../record/types';
import { convertQuantity, unitKey } from '../units/convert';
import type { EvidenceItem } from '../report/types';

/**
 * A numeric result in the analyte's unit; a comparator keeps "<0.5" honest as an open interval,
 * `high` a reported range ("11-20 /HPF") as the closed interval [value, high].
 */
export interface NumericReading {
  value: number;
  comparator?: Comparator;
  /** Upper end of a reported range; `value` is its lower end. */
  high?: number;
  unit: string;
}

export type Reading = { ok: true; reading: NumericReading } | { ok: false; reason: string };

export interface ReadOptions {
  /** Accept a reported range (for comparisons that can be decided on a whole interval). */
  allowRange?: boolean;
}

/**
 * A value in another unit, in the analyte's unit: a conversion the analyte's mapping declares
 * (HbA1c IFCC mmol/mol to NGSP %) first, then UCUM unit arithmetic, which refuses to move
 * between dimensionless scales.
 */
export function toAnalyteUnit(value: number, unit: string, analyte: CompiledAnalyte): { ok: true; value: number } | { ok: false; reason: string } {
  const target = analyte.def.unit;
  if (unit === target || unitKey(unit) === unitKey(target)) return { ok: true, value };
  const declared = analyte.def.conversions.find((c) => unitKey(c.from) === unitKey(unit));
  if (declared) return { ok: true, value: Number((declared.multiply * value + declared.add).toPrecision(12)) };
  return convertQuantity(value, unit, target, analyte.def.molarMass);
}

/** Why a value (in the analyte's unit) cannot be a real result, or undefined. */
export function implausible(value: number, analyte: CompiledAnalyte): string | undefined {
  if (!Number.isFinite(value)) return `${String(value)} is not a finite number`;
  const p = analyte.def.plausible;
  if (p && (value < p.min || value > p.max)) {
    return `${shown(value)} ${displayUnit(analyte.def.unit)} is outside the plausible range for ${analyte.def.display} (${p.min}-${p.max} ${displayUnit(analyte.def.unit)})`;
  }
  return undefined;
}

/** The unit a result is read in: its own, or the mapping's `unitlessAs` when it has none. */
function unitOf(unit: string | undefined, analyte: CompiledAnalyte): { ok: true; unit: string } | { ok: false; reason: string } {
  const written = unit?.trim() ?? '';
  if (written !== '') return { ok: true, unit: written };
  if (analyte.def.unitlessAs !== undefined) return { ok: true, unit: analyte.def.unitlessAs };
  return { ok: false, reason: `no unit given, and the mapping does not say which unit a unit-less ${analyte.def.display} is in (expected ${analyte.def.unit})` };
}

function inAnalyteUnit(value: number, unit: string | undefined, analyte: CompiledAnalyte): { ok: true; value: number } | { ok: false; reason: string } {
  if (!Number.isFinite(value)) return { ok: false, reason: `${String(value)} is not a finite number` };
  const u = unitOf(unit, analyte);
  if (!u.ok) return u;
  const converted = toAnalyteUnit(value, u.unit, analyte);
  if (!converted.ok) return converted;
  const bad = implausible(converted.value, analyte);
  return bad === undefined ? converted : { ok: false, reason: bad };
}

/**
 * Read a result as a number in the analyte's canonical unit, or say why it cannot be: no value,
 * no unit (unless the mapping gives one), a unit or scale that does not convert, a value outside
 * the analyte's plausible range, or (unless `allowRange`) a range where one value is needed.
 */
export function readNumeric(fact: ObservationFact, analyte: CompiledAnalyte, options: ReadOptions = {}): Reading {
  const target = analyte.def.unit;
  const value = fact.value;
  if (!value) {
    return { ok: false, reason: fact.dataAbsentReason ? `no value (${fact.dataAbsentReason})` : 'no value' };
  }
  const comparator = (c: Comparator | undefined): { comparator?: Comparator } => (c ? { comparator: c } : {});
  switch (value.kind) {
    case 'quantity': {
      const converted = inAnalyteUnit(value.value, value.unit, analyte);
      if (!converted.ok) return converted;
      return { ok: true, reading: { value: converted.value, unit: target, ...comparator(value.comparator) } };
    }
    case 'range': {
      if (!options.allowRange) return { ok: false, reason: `a range (${value.low}-${value.high}), not a single value` };
      const low = inAnalyteUnit(value.low, value.unit, analyte);
      if (!low.ok) return low;
      const high = inAnalyteUnit(value.high, value.unit, analyte);
      if (!high.ok) return high;
      return { ok: true, reading: { value: Math.min(low.value, high.value), high: Math.max(low.value, high.value), unit: target } };
    }
    case 'ratio': {
      if (value.numerator === 0 || value.denominator === 0) return { ok: false, reason: 'ratio with a zero term' };
      // A titer 1:640 reads as 640; other ratios as numerator over denominator.
      const reading = target === '{titer}' ? value.denominator / value.numerator : value.numerator / value.denominator;
      const bad = implausible(reading, analyte);
      if (bad !== undefined) return { ok: false, reason: bad };
      return { ok: true, reading: { value: reading, unit: target, ...comparator(value.comparator) } };
    }
    case 'coded':
    case 'qualitative':
    case 'string':
    case 'boolean':
      return { ok: false, reason: `a ${value.kind} result, not a number` };
  }
}

export type Op = '<' | '<=' | '>' | '>=';

/**
 * Compare a reading against a threshold. A value given as "<0.5" is an open interval: the
 * comparison is decided only when every value in the interval gives the same answer.
 */
export function compareReading(reading: NumericReading, op: Op, threshold: number): boolean | undefined {
  const holds = (v: number): boolean => (op === '<' ? v < threshold : op === '<=' ? v <= threshold : op === '>' ? v > threshold : v >= threshold);
  const v = reading.value;
  if (reading.high !== undefined) {
    // A reported range decides only when the whole of it lies on one side of the threshold.
    const atLow = holds(v);
    return atLow === holds(reading.high) ? atLow : undefined;
  }
  if (reading.comparator === undefined) return holds(v);
  // "<5" is the interval below 5 (open), "<=5" up to it; ">15" above 15 (open), ">=15" from it.
  // Decided only when every value of the interval gives the same answer: all hold, or none does.
  const open = reading.comparator === '<' || reading.comparator === '>';
  const below = reading.comparator === '<' || reading.comparator === '<=';
  const strict = op === '<' || op === '>';
  if (below === (op === '<' || op === '<=')) {
    // Same direction ("<5" against "< 6"): all hold when the interval's end is inside the threshold's side.
    const inside = below ? v < threshold : v > threshold;
    return inside || (v === threshold && (open || !strict)) ? true : undefined;
  }
  // Opposite directions ("<5" against "> 6"): none holds when the interval ends short of the threshold.
  const short = below ? v < threshold : v > threshold;
  return short || (v === threshold && (open || strict)) ? false : undefined;
}

export function formatReading(r: NumericReading): string {
  const value = Number.isInteger(r.value) ? String(r.value) : String(Number(r.value.toPrecision(4)));
  const unit = r.unit === '{titer}' ? '' : r.unit === '%' ? '%' : ` ${displayUnit(r.unit)}`;
  if (r.unit === '{titer}') return `${r.comparator ?? ''}1:${value}`;
  if (r.high !== undefined) return `${value}-${Number.isInteger(r.high) ? String(r.high) : String(Number(r.high.toPrecision(4)))}${unit}`;
  return `${r.comparator ?? ''}${value}${unit}`;
}

/** Every explanation of a result prints its unit: each unit is rewritten once. */
const displayUnits = new Map<string, string>();

export function displayUnit(unit: string): string {
  let shownUnit = displayUnits.get(unit);
  if (shownUnit === undefined) {
    shownUnit = rewriteUnit(unit);
    if (displayUnits.size >= 10_000) displayUnits.clear();
    displayUnits.set(unit, shownUnit);
  }
  return shownUnit;
}

function rewriteUnit(unit: string): string {
  return unit.replace(/^10\*9\/L$/, '×10⁹/L').replace(/^10\*3\/uL$/, '×10³/µL').replace(/u(L|mol)/g, 'µ$1').replace(/\{(score|INR)\}/, '').trim();
}

export function evidenceOf(fact: ObservationFact, reading?: NumericReading, note?: string): EvidenceItem {
  const item: EvidenceItem = { reference: fact.reference };
  if (reading) {
    item.value =
      reading.unit === '{titer}' ? formatReading(reading) : reading.high !== undefined ? `${round(reading.value)}-${round(reading.high)}` : reading.comparator ? `${reading.comparator}${reading.value}` : round(reading.value);
    if (reading.unit !== '{titer}') item.unit = reading.unit;
  } else if (fact.value) {
    item.value = describeValue(fact);
  }
  if (fact.date) item.date = fact.date.slice(0, 10);
  if (note) item.note = note;
  return item;
}

export function describeValue(fact: ObservationFact): string {
  const v = fact.value;
  if (!v) return fact.dataAbsentReason ? `absent (${fact.dataAbsentReason})` : 'no value';
  switch (v.kind) {
    case 'quantity':
      return `${v.comparator ?? ''}${shown(v.value)}${v.unit ? ` ${v.unit}` : ''}`;
    case 'ratio':
      return `${v.comparator ?? ''}${v.numerator}:${v.denominator}`;
    case 'range':
      return `${shown(v.low)}-${shown(v.high)}${v.unit ? ` ${v.unit}` : ''}`;
    case 'coded':
      return v.concept.text ?? v.concept.codings[0]?.display ?? v.concept.codings[0]?.code ?? 'coded value';
    case 'qualitative':
      return v.text;
    case 'string':
      return v.text;
    case 'boolean':
      return String(v.value);
  }
}

export function round(value: number): number {
  return Number(value.toPrecision(6));
}

/** A number as a person reads it in an explanation: three significant digits. */
export function shown(value: number): string {
  return Math.abs(value) >= 1000 ? String(Math.round(value)) : String(Number(value.toPrecision(3)));
}
