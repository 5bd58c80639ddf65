import { isResourceType, parseSearchRequest } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import { badRequestError, notFoundError, notSupportedError } from '../outcomes';
import { assertSupportedFilter } from './match';
import { findSearchParameter, requireSearchParameter } from './parameters';
import { assertSupportedElements } from './subset';

export type RawQuery = Record<string, string | string[] | undefined>;

const PASSED_THROUGH = new Set(['_count', '_offset', '_sort', '_total', '_include', '_revinclude', '_format', '_pretty', '_elements']);

const SUMMARY_VALUES = new Set(['true', 'false', 'text', 'data', 'count']);

/** Parameter types whose values sort meaningfully (match.ts sortKey); quantities would need unit conversion. */
const SORTABLE_TYPES = new Set(['reference', 'token', 'string', 'uri', 'date']);

/** A query parameter's values as a list, however the query parser gave them (absent, one, several). */
export function valuesOf(raw: string | string[] | undefined): string[] {
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

/**
 * A type-level search query as the embedded server accepts it. Parameters it cannot answer
 * exactly (chains, _has, number and quantity parameters, unknown names...) are a 400 naming the
 * parameter: an empty Bundle for a search it did not understand would read as "the patient has none".
 */
export function parseSearchQuery(resourceType: string, raw: RawQuery): SearchRequest {
  assertKnownResourceType(resourceType);
  const cleaned: Record<string, string[]> = {};
  for (const [key, rawValue] of Object.entries(raw)) {
    const values = valuesOf(rawValue);
    const [name, modifier] = splitKey(key);
    if (PASSED_THROUGH.has(name)) {
      add(cleaned, key, values);
    } else if (name === '_summary') {
      const bad = values.find((v) => !SUMMARY_VALUES.has(v));
      if (bad !== undefined) throw badRequestError(`_summary must be one of ${[...SUMMARY_VALUES].join(', ')}; not "${bad}"`, '_summary');
      if (new Set(values).size > 1) throw badRequestError(`_summary is given more than once (${values.join(', ')})`, '_summary');
      // _summary=false is the whole resource, which is what no _summary gives.
      if (values[0] !== 'false') add(cleaned, key, values.slice(0, 1));
    } else if (key.includes('.') || name === '_has') {
      throw notSupportedError(`chained and reverse-chained search ("${key}") is not supported by the embedded server`, key);
    } else if (name.startsWith('_') && name !== '_id' && !findSearchParameter(resourceType, name)) {
      throw notSupportedError(`the search control parameter "${name}" is not supported by the embedded server`, name);
    } else {
      const param = requireSearchParameter(resourceType, name);
      if (param.type === 'reference' && modifier !== undefined && isResourceType(modifier)) {
        // subject:Patient=123 is subject=Patient/123 (R4 search.html#reference).
        add(cleaned, name, values.map((v) => v.split(',').map((one) => (one.includes('/') ? one : `${modifier}/${one}`)).join(',')));
      } else {
        add(cleaned, key, values);
      }
    }
  }
  const request = parseSearchRequest(resourceType, cleaned);
  assertSupportedSearch(request);
  return request;
}

function assertSortable(resourceType: string, code: string): void {
  if (code === '') throw badRequestError('_sort names an empty parameter', '_sort');
  const param = findSearchParameter(resourceType, code);
  if (!param) throw badRequestError(`_sort: unknown search parameter "${code}" for ${resourceType}`, '_sort');
  if (!SORTABLE_TYPES.has(param.type)) {
    throw notSupportedError(`_sort by the ${param.type} parameter "${code}" is not supported by the embedded server`, '_sort');
  }
}

function splitKey(key: string): [string, string | undefined] {
  const colon = key.indexOf(':');
  return colon < 0 ? [key, undefined] : [key.slice(0, colon), key.slice(colon + 1)];
}

function add(into: Record<string, string[]>, key: string, values: readonly string[]): void {
  (into[key] ??= []).push(...values);
}

export function assertKnownResourceType(resourceType: string): void {
  if (!isResourceType(resourceType)) throw notFoundError(`Unknown resource type "${resourceType}"`);
}

/** Also applied to searches the router builds itself (conditional create/update URLs). */
export function assertSupportedSearch(request: SearchRequest): void {
  const { resourceType } = request;
  if (request.count !== undefined && !(Number.isInteger(request.count) && request.count >= 0)) {
    throw badRequestError('_count must be a whole number >= 0', '_count');
  }
  if (request.offset !== undefined && !(Number.isInteger(request.offset) && request.offset >= 0)) {
    throw badRequestError('_offset must be a whole number >= 0', '_offset');
  }
  if (request.types) throw notSupportedError('_type is for system-level search, which the embedded server does not support', '_type');
  if (request.cursor !== undefined) throw notSupportedError('_cursor is not supported: page with _offset or follow link[next]', '_cursor');
  if (request.fields) {
    // R4 search.html#elements: the two shape the result in different ways; which would win is unstated.
    if (request.summary) throw badRequestError('_elements and _summary cannot be used together', '_elements');
    assertSupportedElements(resourceType, request.fields);
  }
  for (const filter of request.filters ?? []) assertSupportedFilter(resourceType, filter);
  for (const rule of request.sortRules ?? []) assertSortable(resourceType, rule.code);
  for (const target of [...(request.include ?? []), ...(request.revInclude ?? [])]) {
    if (target.modifier) throw notSupportedError(':iterate is not supported for _include/_revinclude');
    const param = requireSearchParameter(target.resourceType, target.searchParam);
    if (param.type !== 'reference') throw badRequestError(`${target.resourceType}:${target.searchParam} is not a reference parameter`);
  }
}
