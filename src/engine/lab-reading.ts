import type { CompiledAnalyte } from '../mapping/terminology';
import type { Comparator, ObservationFact } from '../record/types';
import { convertQuantity } from '../units/convert';
import type { EvidenceItem } from '../report/types';

/** A numeric result in the analyte's unit; a comparator keeps "<0.5" honest as an open interval. */
export interface NumericReading {
  value: number;
  comparator?: Comparator;
  unit: string;
}

export type Reading = { ok: true; reading: NumericReading } | { ok: false; reason: string };

const DIMENSIONLESS = new Set(['%', '{titer}', '{score}', '1', '{INR}', '{ratio}', '{class}', '']);

/** Read a result as a number in the analyte's canonical unit, or say why it cannot be. */
export function readNumeric(fact: ObservationFact, analyte: CompiledAnalyte): Reading {
  const target = analyte.def.unit;
  const value = fact.value;
  if (!value) {
    return { ok: false, reason: fact.dataAbsentReason ? `no value (${fact.dataAbsentReason})` : 'no value' };
  }
  switch (value.kind) {
    case 'quantity': {
      const unit = value.unit?.trim() ?? '';
      if (unit === '' || unit === target) {
        if (unit === '' && !DIMENSIONLESS.has(target)) return { ok: false, reason: `no unit given (expected ${target})` };
        return { ok: true, reading: { value: value.value, unit: target, ...(value.comparator ? { comparator: value.comparator } : {}) } };
      }
      const converted = convertQuantity(value.value, unit, target, analyte.def.molarMass);
      if (!converted.ok) return { ok: false, reason: converted.reason };
      return { ok: true, reading: { value: converted.value, unit: target, ...(value.comparator ? { comparator: value.comparator } : {}) } };
    }
    case 'ratio': {
      if (value.numerator === 0 || value.denominator === 0) return { ok: false, reason: 'ratio with a zero term' };
      // A titer 1:640 reads as 640; other ratios as numerator over denominator.
      const reading = target === '{titer}' ? value.denominator / value.numerator : value.numerator / value.denominator;
      return { ok: true, reading: { value: reading, unit: target, ...(value.comparator ? { comparator: value.comparator } : {}) } };
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
  switch (reading.comparator) {
    case undefined:
      return holds(v);
    case '<':
    case '<=': {
      // Interval (-inf, v]: decided if the bound and "very low" agree.
      const atBound = holds(v);
      const low = holds(-Number.MAX_VALUE);
      if (op === '<' || op === '<=') return atBound ? true : undefined;
      return low === atBound ? atBound : atBound ? undefined : false;
    }
    case '>':
    case '>=': {
      const atBound = holds(v);
      if (op === '>' || op === '>=') return atBound ? true : undefined;
      return atBound ? undefined : false;
    }
  }
}

export function formatReading(r: NumericReading): string {
  const value = Number.isInteger(r.value) ? String(r.value) : String(Number(r.value.toPrecision(4)));
  const unit = r.unit === '{titer}' ? '' : r.unit === '%' ? '%' : ` ${displayUnit(r.unit)}`;
  if (r.unit === '{titer}') return `${r.comparator ?? ''}1:${value}`;
  return `${r.comparator ?? ''}${value}${unit}`;
}

export function displayUnit(unit: string): string {
  return unit.replace(/^10\*9\/L$/, '×10⁹/L').replace(/^10\*3\/uL$/, '×10³/µL').replace(/u(L|mol)/g, 'µ$1').replace(/\{(score|INR)\}/, '').trim();
}

export function evidenceOf(fact: ObservationFact, reading?: NumericReading, note?: string): EvidenceItem {
  const item: EvidenceItem = { reference: fact.reference };
  if (reading) {
    item.value = reading.unit === '{titer}' ? formatReading(reading) : reading.comparator ? `${reading.comparator}${reading.value}` : round(reading.value);
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
