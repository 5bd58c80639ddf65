import { isResourceType, parseSearchRequest } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import { badRequestError, notFoundError, notSupportedError } from '../outcomes';
import { assertSupportedFilter } from './match';
import { findSearchParameter, requireSearchParameter } from './parameters';

export type RawQuery = Record<string, string | string[] | undefined>;

const PASSED_THROUGH = new Set(['_count', '_offset', '_sort', '_total', '_include', '_revinclude', '_format', '_pretty']);

/**
 * A type-level search query as the embedded server accepts it. Parameters it cannot answer
 * exactly (chains, _has, _elements, number and quantity parameters, unknown names...) are a 400
 * naming the parameter: an empty Bundle for a search it did not understand would read as
 * "the patient has none".
 */
/** A query parameter's values as a list, however the query parser gave them (absent, one, several). */
export function valuesOf(raw: string | string[] | undefined): string[] {
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
}

export function parseSearchQuery(resourceType: string, raw: RawQuery): SearchRequest {
  assertKnownResourceType(resourceType);
  const cleaned: Record<string, string[]> = {};
  for (const [key, rawValue] of Object.entries(raw)) {
    const values = valuesOf(rawValue);
    const [name, modifier] = splitKey(key);
    if (PASSED_THROUGH.has(name)) {
      add(cleaned, key, values);
    } else if (name === '_summary') {
      if (values.some((v) => v !== 'count')) throw notSupportedError('only _summary=count is supported');
      add(cleaned, key, values);
    } else if (key.includes('.') || name === '_has') {
      throw notSupportedError(`chained and reverse-chained search ("${key}") is not supported by the embedded server`);
    } else if (name.startsWith('_') && name !== '_id' && !findSearchParameter(resourceType, name)) {
      throw notSupportedError(`the search control parameter "${name}" is not supported by the embedded server`);
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
  if (request.fields || request.summary || request.types || request.cursor !== undefined) {
    throw notSupportedError('_elements, _summary (other than count), _type and _cursor are not supported');
  }
  for (const filter of request.filters ?? []) assertSupportedFilter(resourceType, filter);
  for (const rule of request.sortRules ?? []) requireSearchParameter(resourceType, rule.code);
  for (const target of [...(request.include ?? []), ...(request.revInclude ?? [])]) {
    if (target.modifier) throw notSupportedError(':iterate is not supported for _include/_revinclude');
    const param = requireSearchParameter(target.resourceType, target.searchParam);
    if (param.type !== 'reference') throw badRequestError(`${target.resourceType}:${target.searchParam} is not a reference parameter`);
  }
}
