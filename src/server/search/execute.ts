import { formatSearchQuery, Operator } from '@medplum/core';
import type { Filter, SearchRequest } from '@medplum/core';
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../store/resource-store';
import { referenceKey } from '../store/references';
import { evaluateParameter, matchesFilters, referenceFilterKeys, sortKey } from './match';
import { requireSearchParameter } from './parameters';
import { assertSupportedSearch } from './parse-query';
import { shapeResource } from './subset';
import { clone } from '../store/resource-store';

export interface SearchSettings {
  /** Absolute base of the server as the client addressed it, for fullUrl and paging links. */
  baseUrl: string;
  defaultCount: number;
  maxCount: number;
}

/**
 * Runs a type-level search over the store: narrow by `_id` and reference filters through the
 * index, check every filter exactly, sort, page with `_count`/`_offset`, add `_include` and
 * `_revinclude` resources, and link self/next/previous so a client can follow `link[next]`.
 */
export function executeSearch(store: ResourceStore, request: SearchRequest, settings: SearchSettings): Bundle {
  assertSupportedSearch(request);
  const { resourceType } = request;
  const filters = request.filters ?? [];
  const matches: Resource[] = [];
  for (const id of candidateIds(store, resourceType, filters)) {
    const resource = store.peek(resourceType, id);
    if (resource && matchesFilters(resource, filters)) matches.push(resource);
  }
  sortMatches(matches, request);

  const count = Math.min(request.count ?? settings.defaultCount, settings.maxCount);
  const offset = request.offset ?? 0;
  const page = matches.slice(offset, offset + count);
  const entry: BundleEntry[] = page.map((resource) => toEntry(resource, settings.baseUrl, 'match'));
  entry.push(...includedEntries(store, request, page, settings.baseUrl));
  for (const e of entry) if (e.resource) e.resource = shapeResource(e.resource, request);

  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    link: pageLinks(request, settings.baseUrl, count, offset, matches.length),
  };
  if (request.total !== 'none') bundle.total = matches.length;
  if (entry.length > 0) bundle.entry = entry;
  return bundle;
}

function candidateIds(store: ResourceStore, resourceType: string, filters: readonly Filter[]): Iterable<string> {
  let narrowed: Set<string> | undefined;
  const narrow = (ids: Iterable<string>): void => {
    const next = new Set(ids);
    narrowed = narrowed ? new Set([...narrowed].filter((id) => next.has(id))) : next;
  };
  for (const filter of filters) {
    if (filter.operator !== Operator.EQUALS) continue;
    const values = filter.value.split(',');
    if (filter.code === '_id') {
      narrow(values);
    } else {
      const param = requireSearchParameter(resourceType, filter.code);
      if (param.type !== 'reference') continue;
      const ids: string[] = [];
      for (const key of referenceFilterKeys(param, values)) ids.push(...store.idsReferencing(resourceType, key));
      narrow(ids);
    }
  }
  if (!narrowed) return store.liveIds(resourceType);
  // Keep first-creation order so pages are stable, without scanning every resource of the type.
  return [...narrowed]
    .filter((id) => store.peek(resourceType, id) !== undefined)
    .sort((a, b) => store.creationOrder(resourceType, a) - store.creationOrder(resourceType, b));
}

function sortMatches(matches: Resource[], request: SearchRequest): void {
  const rules = request.sortRules ?? [];
  if (rules.length === 0) return;
  const keyed = matches.map((resource) => ({
    resource,
    keys: rules.map((rule) => sortKey(resource, requireSearchParameter(request.resourceType, rule.code), rule.descending === true)),
  }));
  keyed.sort((a, b) => {
    for (let i = 0; i < rules.length; i++) {
      const order = compareKeys(a.keys[i], b.keys[i]);
      if (order !== 0) return rules[i]?.descending ? -order : order;
    }
    return 0;
  });
  matches.splice(0, matches.length, ...keyed.map((k) => k.resource));
}

/** Missing values sort last whichever the direction, as most servers do. */
function compareKeys(a: number | string | undefined, b: number | string | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  // Not a - b: two open-ended Periods both sort at Infinity, and Infinity - Infinity is NaN.
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return String(a).localeCompare(String(b));
}

function toEntry(resource: Resource, baseUrl: string, mode: 'match' | 'include'): BundleEntry {
  return {
    fullUrl: `${baseUrl}/${resource.resourceType}/${resource.id ?? ''}`,
    resource: clone(resource),
    search: { mode },
  };
}

function includedEntries(store: ResourceStore, request: SearchRequest, page: readonly Resource[], baseUrl: string): BundleEntry[] {
  const seen = new Set(page.map((r) => `${r.resourceType}/${r.id ?? ''}`));
  const out: BundleEntry[] = [];
  const addKey = (key: string): void => {
    if (seen.has(key)) return;
    const [type, id] = key.split('/');
    const resource = type && id ? store.peek(type, id) : undefined;
    if (!resource) return;
    seen.add(key);
    out.push(toEntry(resource, baseUrl, 'include'));
  };
  for (const target of request.include ?? []) {
    if (target.resourceType !== request.resourceType) continue;
    const param = requireSearchParameter(target.resourceType, target.searchParam);
    for (const resource of page) {
      for (const value of evaluateParameter(resource, param)) {
        const ref = (value.value as { reference?: unknown } | undefined)?.reference;
        const key = typeof ref === 'string' ? referenceKey(ref) : undefined;
        if (key && (!target.targetType || key.startsWith(`${target.targetType}/`))) addKey(key);
      }
    }
  }
  for (const target of request.revInclude ?? []) {
    for (const resource of page) {
      const key = `${resource.resourceType}/${resource.id ?? ''}`;
      const filter: Filter = { code: target.searchParam, operator: Operator.EQUALS, value: key };
      for (const id of store.idsReferencing(target.resourceType, key)) {
        const candidate = store.peek(target.resourceType, id);
        if (candidate && matchesFilters(candidate, [filter])) addKey(`${target.resourceType}/${id}`);
      }
    }
  }
  return out;
}

function pageLinks(request: SearchRequest, baseUrl: string, count: number, offset: number, total: number): BundleLink[] {
  // formatSearchQuery writes fields as _fields, which this server refuses, and drops _summary:
  // a next link would then answer a different search than the first page did.
  const shaping = [
    ...(request.fields ? [`_elements=${request.fields.map(encodeURIComponent).join(',')}`] : []),
    ...(request.summary ? [`_summary=${request.summary}`] : []),
  ];
  const url = (pageOffset: number): string => {
    const query = formatSearchQuery({ ...request, fields: undefined, summary: undefined, count, offset: pageOffset });
    const all = [...(query ? [query.slice(1)] : []), ...shaping].join('&');
    return `${baseUrl}/${request.resourceType}${all ? `?${all}` : ''}`;
  };
  const links: BundleLink[] = [{ relation: 'self', url: url(offset) }];
  if (count > 0 && offset + count < total) links.push({ relation: 'next', url: url(offset + count) });
  if (count > 0 && offset > 0) links.push({ relation: 'previous', url: url(Math.max(0, offset - count)) });
  return links;
}
