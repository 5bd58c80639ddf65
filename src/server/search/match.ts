import { evalFhirPathTyped, Operator, splitSearchOnComma, toTypedValue } from '@medplum/core';
import type { Filter, TypedValue } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { badRequestError, notSupportedError } from '../outcomes';
import { referenceKey } from '../store/references';
import { compareDateRanges, dateRange, periodRange } from './date-range';
import type { DatePrefix, DateRange } from './date-range';
import { hasPrefixHierarchy, isBelow, prefixHierarchySystems } from './hierarchies';
import { requireSearchParameter } from './parameters';
import type { TypedSearchParameter } from './parameters';

/**
 * Search filter matching for the embedded server (R4 search semantics for reference, token,
 * string, uri and date parameters, plus `_id`). Anything else (number, quantity, composite,
 * chained parameters, unknown modifiers) throws 400 instead of matching nothing silently.
 */
export function matchesFilters(resource: Resource, filters: readonly Filter[]): boolean {
  return filters.every((filter) => matchesFilter(resource, filter));
}

/** Throws the 400 a filter would raise, without a resource: for checking a request up front. */
export function assertSupportedFilter(resourceType: string, filter: Filter): void {
  if (filter.code === '_id') {
    if (filter.operator !== Operator.EQUALS) throw notSupportedError(`_id supports no modifier or prefix`);
    return;
  }
  const param = requireSearchParameter(resourceType, filter.code);
  if (isPresenceOperator(filter.operator)) return;
  const allowed = SUPPORTED_OPERATORS[param.type];
  if (!allowed) throw notSupportedError(`${param.type} search parameters such as "${filter.code}" are not supported by the embedded server`);
  if (!allowed.has(filter.operator)) {
    throw notSupportedError(`"${filter.operator}" is not supported for the ${param.type} search parameter "${filter.code}"`);
  }
  if (param.type === 'date') {
    for (const value of splitSearchOnComma(filter.value)) {
      if (!dateRange(value)) throw badRequestError(`"${value}" is not a FHIR date for "${filter.code}"`, filter.code);
    }
  }
  if (filter.operator === Operator.BELOW && param.type === 'token') {
    for (const value of splitSearchOnComma(filter.value)) {
      const [system, code] = splitToken(value);
      if (!system || !code || !hasPrefixHierarchy(system)) {
        throw notSupportedError(
          `${filter.code}:below needs system|code with a system whose codes carry their hierarchy (${prefixHierarchySystems().join(', ')}); "${value}" is not one`,
        );
      }
    }
  }
}

const SUPPORTED_OPERATORS: Partial<Record<string, ReadonlySet<string>>> = {
  reference: new Set([Operator.EQUALS]),
  token: new Set([Operator.EQUALS, Operator.NOT, Operator.TEXT, Operator.BELOW]),
  string: new Set([Operator.EQUALS, Operator.EXACT, Operator.CONTAINS]),
  uri: new Set([Operator.EQUALS, Operator.BELOW]),
  date: new Set([
    Operator.EQUALS,
    Operator.NOT_EQUALS,
    Operator.GREATER_THAN,
    Operator.LESS_THAN,
    Operator.GREATER_THAN_OR_EQUALS,
    Operator.LESS_THAN_OR_EQUALS,
    Operator.STARTS_AFTER,
    Operator.ENDS_BEFORE,
    Operator.APPROXIMATELY,
  ]),
};

function isPresenceOperator(operator: string): boolean {
  return operator === Operator.MISSING || operator === Operator.PRESENT;
}

export function evaluateParameter(resource: Resource, param: TypedSearchParameter): TypedValue[] {
  return evalFhirPathTyped(param.expression, [toTypedValue(resource)]);
}

function matchesFilter(resource: Resource, filter: Filter): boolean {
  assertSupportedFilter(resource.resourceType, filter);
  if (filter.code === '_id') return splitSearchOnComma(filter.value).includes(resource.id ?? '');
  const param = requireSearchParameter(resource.resourceType, filter.code);
  const values = evaluateParameter(resource, param);
  if (isPresenceOperator(filter.operator)) {
    const wantsPresent = (filter.operator === Operator.PRESENT) === (filter.value === 'true');
    return wantsPresent === values.length > 0;
  }
  const wanted = splitSearchOnComma(filter.value);
  switch (param.type) {
    case 'reference':
      return matchesReference(values, referenceFilterKeys(param, wanted));
    case 'token':
      return matchesToken(values, filter.operator, wanted);
    case 'string':
      return matchesString(values, filter.operator, wanted);
    case 'uri':
      return matchesUri(values, filter.operator, wanted);
    case 'date':
      return matchesDate(values, filter.operator as DatePrefix, wanted);
    case 'number':
    case 'quantity':
    case 'composite':
    case 'special':
      // assertSupportedFilter already refused these; fail closed if that ever changes.
      throw notSupportedError(`${param.type} search parameters are not supported`);
  }
}

/**
 * The "Type/id" keys a reference filter value stands for. A bare id ("123") means that id in any
 * of the parameter's target types (R4 search.html#reference), so `patient=123` finds
 * "Patient/123" and `subject=123` finds "Patient/123" or "Group/123".
 */
export function referenceFilterKeys(param: TypedSearchParameter, values: readonly string[]): Set<string> {
  const keys = new Set<string>();
  for (const value of values) {
    if (value.includes('/')) {
      keys.add(referenceKey(value) ?? value);
    } else {
      for (const target of param.targets) keys.add(`${target}/${value}`);
    }
  }
  return keys;
}

function matchesReference(values: readonly TypedValue[], keys: ReadonlySet<string>): boolean {
  return values.some((v) => {
    const reference = typeof v.value === 'string' ? v.value : (v.value as { reference?: unknown } | undefined)?.reference;
    if (typeof reference !== 'string') return false;
    return keys.has(referenceKey(reference) ?? reference);
  });
}

interface Token {
  system?: string;
  code?: string;
  text: string[];
}

function tokensOf(v: TypedValue): Token[] {
  const value = v.value as Record<string, unknown> | string | number | boolean | undefined;
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object') return [{ code: String(value), text: [] }];
  switch (v.type) {
    case 'CodeableConcept': {
      const codings = Array.isArray(value.coding) ? (value.coding as Record<string, unknown>[]) : [];
      const tokens = codings.flatMap((c) => tokensOf({ type: 'Coding', value: c }));
      if (typeof value.text === 'string') tokens.push({ text: [value.text] });
      return tokens;
    }
    case 'Coding':
      return [{ system: str(value.system), code: str(value.code), text: str(value.display) ? [String(value.display)] : [] }];
    case 'Identifier': {
      const type = value.type as { text?: unknown } | undefined;
      return [{ system: str(value.system), code: str(value.value), text: typeof type?.text === 'string' ? [type.text] : [] }];
    }
    case 'ContactPoint':
      return [{ system: str(value.system), code: str(value.value), text: [] }];
    default:
      return str(value.code) !== undefined ? [{ system: str(value.system), code: str(value.code), text: [] }] : [];
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function splitToken(value: string): [string | undefined, string | undefined] {
  const bar = value.indexOf('|');
  if (bar < 0) return [undefined, value];
  return [value.slice(0, bar), value.slice(bar + 1) || undefined];
}

function tokenEquals(token: Token, wanted: string): boolean {
  const bar = wanted.indexOf('|');
  if (bar < 0) return token.code === wanted;
  const system = wanted.slice(0, bar);
  const code = wanted.slice(bar + 1);
  if (system === '') return token.system === undefined && token.code === code;
  if (token.system !== system) return false;
  return code === '' || token.code === code;
}

function matchesToken(values: readonly TypedValue[], operator: string, wanted: readonly string[]): boolean {
  const tokens = values.flatMap(tokensOf);
  switch (operator) {
    case Operator.NOT:
      return !tokens.some((t) => wanted.some((w) => tokenEquals(t, w)));
    case Operator.TEXT: {
      const needles = wanted.map(normaliseText);
      return tokens.some((t) => t.text.some((text) => needles.some((n) => normaliseText(text).includes(n))));
    }
    case Operator.BELOW:
      return tokens.some((t) =>
        wanted.some((w) => {
          const [system, code] = splitToken(w);
          return t.system === system && t.code !== undefined && code !== undefined && isBelow(t.code, code);
        }),
      );
    default:
      return tokens.some((t) => wanted.some((w) => tokenEquals(t, w)));
  }
}

function stringsOf(value: unknown, into: string[] = []): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) stringsOf(item, into);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) if (key !== 'extension' && key !== 'period') stringsOf(child, into);
  }
  return into;
}

function normaliseText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function matchesString(values: readonly TypedValue[], operator: string, wanted: readonly string[]): boolean {
  const strings = values.flatMap((v) => stringsOf(v.value));
  if (operator === Operator.EXACT) return strings.some((s) => wanted.includes(s));
  const needles = wanted.map(normaliseText);
  const haystack = strings.map(normaliseText);
  if (operator === Operator.CONTAINS) return haystack.some((s) => needles.some((n) => s.includes(n)));
  return haystack.some((s) => needles.some((n) => s.startsWith(n)));
}

function matchesUri(values: readonly TypedValue[], operator: string, wanted: readonly string[]): boolean {
  const uris = values.map((v) => v.value).filter((v): v is string => typeof v === 'string');
  if (operator === Operator.BELOW) return uris.some((u) => wanted.some((w) => u.startsWith(w)));
  return uris.some((u) => wanted.includes(u));
}

function rangeOf(v: TypedValue): DateRange | undefined {
  if (typeof v.value === 'string') return dateRange(v.value);
  if (v.type === 'Period' && typeof v.value === 'object' && v.value !== null) {
    const period = v.value as { start?: unknown; end?: unknown };
    return periodRange(str(period.start), str(period.end));
  }
  return undefined;
}

function matchesDate(values: readonly TypedValue[], prefix: DatePrefix, wanted: readonly string[]): boolean {
  const ranges = values.map(rangeOf).filter((r): r is DateRange => r !== undefined);
  return ranges.some((target) =>
    wanted.some((w) => {
      const search = dateRange(w);
      if (!search) throw badRequestError(`"${w}" is not a FHIR date`);
      return compareDateRanges(prefix, target, search);
    }),
  );
}

/**
 * A resource's sort key for a parameter. Dates sort by the earliest start ascending and the
 * latest end descending (R4 search.html#sort: "the lowest/highest value"), so a Period that runs
 * to today sorts as recent; other types by their first value, as text.
 */
export function sortKey(resource: Resource, param: TypedSearchParameter, descending: boolean): number | string | undefined {
  const values = evaluateParameter(resource, param);
  if (param.type === 'date') {
    const ranges = values.map(rangeOf).filter((r): r is DateRange => r !== undefined);
    if (ranges.length === 0) return undefined;
    return descending ? Math.max(...ranges.map((r) => r.high)) : Math.min(...ranges.map((r) => r.low));
  }
  const first = values[0];
  if (!first) return undefined;
  if (param.type === 'token') return tokensOf(first)[0]?.code;
  if (param.type === 'reference') {
    const ref = (first.value as { reference?: unknown } | undefined)?.reference;
    return typeof ref === 'string' ? ref : undefined;
  }
  return stringsOf(first.value).map(normaliseText)[0];
}
