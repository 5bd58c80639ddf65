import type { CodingLite, Comparator, Concept, DoseLite, RangeLite } from './types';

/**
 * Defensive readers for FHIR JSON. Resources arrive from files and servers unchecked, so a
 * field typed `string` may be a number, an object or null. Each reader returns undefined for
 * anything of the wrong shape instead of throwing; callers decide whether that is worth a
 * warning.
 */

const UCUM_SYSTEM = 'http://unitsofmeasure.org';

export function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function num(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

export function obj(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

const NO_ITEMS: readonly unknown[] = Object.freeze([]);

export function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : NO_ITEMS;
}

/** A CodeableConcept with at least one usable coding or a text; undefined otherwise. */
export function concept(value: unknown): Concept | undefined {
  const cc = obj(value);
  if (!cc) return undefined;
  const codings: CodingLite[] = [];
  for (const item of list(cc.coding)) {
    const coding = obj(item);
    if (!coding) continue;
    const system = str(coding.system);
    const code = str(coding.code);
    const display = str(coding.display);
    if (code === undefined && display === undefined) continue;
    const lite: CodingLite = {};
    if (system !== undefined) lite.system = system;
    if (code !== undefined) lite.code = code;
    if (display !== undefined) lite.display = display;
    codings.push(lite);
  }
  const text = str(cc.text);
  if (codings.length === 0 && text === undefined) return undefined;
  return text === undefined ? { codings } : { codings, text };
}

export function concepts(value: unknown): Concept[] {
  const out: Concept[] = [];
  for (const item of list(value)) {
    const c = concept(item);
    if (c) out.push(c);
  }
  return out;
}

/** The first code of a status-like CodeableConcept (clinicalStatus, verificationStatus), lower-cased. */
export function statusCode(value: unknown): string | undefined {
  const cc = obj(value);
  if (!cc) return undefined;
  for (const item of list(cc.coding)) {
    const code = str(obj(item)?.code);
    if (code !== undefined) return code.toLowerCase();
  }
  const text = str(cc.text);
  return text?.trim().toLowerCase();
}

export function comparator(value: unknown): Comparator | undefined {
  return value === '<' || value === '<=' || value === '>=' || value === '>' ? value : undefined;
}

/** The unit of a Quantity: the UCUM code when it is one, else the human-readable unit. */
export function quantityUnit(q: Record<string, unknown>): string | undefined {
  const code = str(q.code);
  const system = str(q.system);
  if (code !== undefined && (system === undefined || system === UCUM_SYSTEM)) return code;
  return str(q.unit) ?? code;
}

export function dose(value: unknown): DoseLite | undefined {
  const q = obj(value);
  const amount = num(q?.value);
  if (!q || amount === undefined) return undefined;
  const unit = quantityUnit(q);
  return unit === undefined ? { value: amount } : { value: amount, unit };
}

export function range(value: unknown): RangeLite | undefined {
  const r = obj(value);
  if (!r) return undefined;
  const out: RangeLite = {};
  const low = dose(r.low);
  const high = dose(r.high);
  const text = str(r.text);
  if (low) out.low = low;
  if (high) out.high = high;
  if (text !== undefined) out.text = text;
  return low || high || text !== undefined ? out : undefined;
}
