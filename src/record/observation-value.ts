import { bool, comparator, concept, num, obj, quantityUnit, str } from './read';
import type { Comparator, Concept, ObservationValue } from './types';

/**
 * value[x] of an Observation or component. Returns `undefined` when there is no value and
 * `{ problem }` when there is one that cannot be read, so the caller can warn.
 */
export type ValueReading = ObservationValue | { problem: string } | undefined;

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';

/** SNOMED CT and LOINC answer codes for qualitative results. */
const POSITIVE_CODES = new Set([
  `${SNOMED}|10828004`, // Positive
  `${SNOMED}|260373001`, // Detected
  `${SNOMED}|11214006`, // Reactive
  `${SNOMED}|52101004`, // Present
  `${LOINC}|LA6576-8`, // Positive
  `${LOINC}|LA11882-0`, // Detected
  `${LOINC}|LA9633-4`, // Present
]);
const NEGATIVE_CODES = new Set([
  `${SNOMED}|260385009`, // Negative
  `${SNOMED}|260415000`, // Not detected
  `${SNOMED}|131194007`, // Non-reactive
  `${SNOMED}|2667000`, // Absent
  `${LOINC}|LA6577-6`, // Negative
  `${LOINC}|LA11883-8`, // Not detected
  `${LOINC}|LA9634-2`, // Absent
]);

/** Whole-string qualitative results; anything longer ("not HIV positive") stays a string. */
const QUALITATIVE_WORDS: Readonly<Record<string, boolean>> = {
  positive: true,
  pos: true,
  'pos.': true,
  detected: true,
  reactive: true,
  present: true,
  negative: false,
  neg: false,
  'neg.': false,
  'not detected': false,
  'none detected': false,
  undetected: false,
  'non-reactive': false,
  nonreactive: false,
  'non reactive': false,
  absent: false,
};

/** "11-20 /HPF", "55 - 60 %", "2 to 5": a range of plain non-negative numbers, then an optional unit. */
const RANGE = /^(\d+(?:\.\d+)?)\s*(?:-|–|—|to)\s*(\d+(?:\.\d+)?)(?:\s*([A-Za-zµμ%[{/][^\s]*))?$/;
const COMPARATOR_PREFIX = /^(<=|>=|≤|≥|<|>)\s*/;
const TITER = /^(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)$/;
const NUMBER_WITH_UNIT = /^([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)(?:\s*([A-Za-zµμ%[{/][^\s]*))?$/;

export function readValue(holder: Record<string, unknown>): ValueReading {
  if (holder.valueQuantity !== undefined) return quantityValue(holder.valueQuantity);
  if (holder.valueString !== undefined) {
    const text = str(holder.valueString);
    return text === undefined ? { problem: 'valueString is not a string' } : parseResultString(text);
  }
  if (holder.valueCodeableConcept !== undefined) {
    const c = concept(holder.valueCodeableConcept);
    return c ? codedValue(c) : { problem: 'valueCodeableConcept has no code or text' };
  }
  if (holder.valueRatio !== undefined) return ratioValue(holder.valueRatio);
  if (holder.valueBoolean !== undefined) {
    const b = bool(holder.valueBoolean);
    return b === undefined ? { problem: 'valueBoolean is not a boolean' } : { kind: 'boolean', value: b };
  }
  if (holder.valueInteger !== undefined) {
    const n = num(holder.valueInteger);
    return n === undefined ? { problem: 'valueInteger is not a number' } : { kind: 'quantity', value: n };
  }
  if (holder.valueDateTime !== undefined || holder.valueTime !== undefined) {
    const text = str(holder.valueDateTime) ?? str(holder.valueTime);
    return text === undefined ? { problem: 'valueDateTime is not a string' } : { kind: 'string', text };
  }
  if (holder.valueRange !== undefined) return rangeValue(holder.valueRange);
  for (const key of ['valuePeriod', 'valueSampledData', 'valueAttachment']) {
    if (holder[key] !== undefined) return { problem: `${key} is not read` };
  }
  return undefined;
}

function quantityValue(value: unknown): ValueReading {
  const q = obj(value);
  const amount = num(q?.value);
  if (!q || amount === undefined) return { problem: 'valueQuantity has no numeric value' };
  const out: ObservationValue = { kind: 'quantity', value: amount };
  const unit = quantityUnit(q);
  if (unit !== undefined) out.unit = unit;
  const comp = comparator(q.comparator);
  if (comp !== undefined) out.comparator = comp;
  else if (q.comparator !== undefined) return { problem: `valueQuantity has an unknown comparator "${String(q.comparator)}"` };
  return out;
}

/** valueRange: both ends give a range; one end an open interval (">= low", "<= high"). */
function rangeValue(value: unknown): ValueReading {
  const r = obj(value);
  const low = obj(r?.low);
  const high = obj(r?.high);
  const lo = num(low?.value);
  const hi = num(high?.value);
  const loUnit = low ? quantityUnit(low) : undefined;
  const hiUnit = high ? quantityUnit(high) : undefined;
  if (lo !== undefined && hi !== undefined) {
    if (loUnit !== hiUnit || lo > hi) return { problem: 'valueRange ends differ in unit or are reversed' };
    return { kind: 'range', low: lo, high: hi, ...(loUnit === undefined ? {} : { unit: loUnit }) };
  }
  if (lo !== undefined) return { kind: 'quantity', value: lo, comparator: '>=', ...(loUnit === undefined ? {} : { unit: loUnit }) };
  if (hi !== undefined) return { kind: 'quantity', value: hi, comparator: '<=', ...(hiUnit === undefined ? {} : { unit: hiUnit }) };
  return { problem: 'valueRange has neither a low nor a high value' };
}

function ratioValue(value: unknown): ValueReading {
  const r = obj(value);
  const numerator = obj(r?.numerator);
  const denominator = obj(r?.denominator);
  const n = num(numerator?.value);
  const d = num(denominator?.value);
  if (n === undefined || d === undefined || d === 0) return { problem: 'valueRatio lacks a numerator or a non-zero denominator' };
  const out: ObservationValue = { kind: 'ratio', numerator: n, denominator: d };
  const comp = comparator(numerator?.comparator) ?? comparator(denominator?.comparator);
  if (comp !== undefined) out.comparator = comp;
  return out;
}

function codedValue(c: Concept): ObservationValue {
  for (const coding of c.codings) {
    if (coding.code === undefined || coding.system === undefined) continue;
    const key = `${coding.system}|${coding.code}`;
    if (POSITIVE_CODES.has(key)) return { kind: 'qualitative', positive: true, text: c.text ?? coding.display ?? coding.code, concept: c };
    if (NEGATIVE_CODES.has(key)) return { kind: 'qualitative', positive: false, text: c.text ?? coding.display ?? coding.code, concept: c };
  }
  return { kind: 'coded', concept: c };
}

/** "<0.5", ">1:1280", "1:640", "11-20 /HPF", "Positive", "Not detected", "12.5 mg/dL"; otherwise a plain string. */
export function parseResultString(raw: string): ObservationValue {
  const text = raw.trim();
  const qualitative = QUALITATIVE_WORDS[text.toLowerCase()];
  if (qualitative !== undefined) return { kind: 'qualitative', positive: qualitative, text };
  const range = RANGE.exec(text);
  if (range) {
    const low = Number(range[1]);
    const high = Number(range[2]);
    if (low <= high) return { kind: 'range', low, high, ...(range[3] === undefined ? {} : { unit: range[3] }) };
    return { kind: 'string', text };
  }
  let rest = text;
  let comp: Comparator | undefined;
  const prefix = COMPARATOR_PREFIX.exec(rest);
  if (prefix) {
    comp = comparatorOf(prefix[1] ?? '');
    rest = rest.slice(prefix[0].length);
  }
  const titer = TITER.exec(rest);
  if (titer) {
    const numerator = Number(titer[1]);
    const denominator = Number(titer[2]);
    if (denominator !== 0) {
      const out: ObservationValue = { kind: 'ratio', numerator, denominator };
      if (comp) out.comparator = comp;
      return out;
    }
  }
  const quantity = NUMBER_WITH_UNIT.exec(rest);
  if (quantity) {
    const value = Number(quantity[1]);
    if (Number.isFinite(value)) {
      const out: ObservationValue = { kind: 'quantity', value };
      if (quantity[2] !== undefined) out.unit = quantity[2];
      if (comp) out.comparator = comp;
      return out;
    }
  }
  return { kind: 'string', text };
}

function comparatorOf(symbol: string): Comparator {
  switch (symbol) {
    case '≤':
      return '<=';
    case '≥':
      return '>=';
    default:
      return symbol as Comparator;
  }
}
