import { parseFhirDateTime } from './fhir-date';
import { obj, str } from './read';
import { CORRECTING_STATUSES } from './statuses';

/**
 * Two copies of one resource ("Type/id"), which counts (CONVENTIONS.md "Conflicts", "Which
 * result is the latest"): identical content is one resource; a correction or amendment
 * replaces what it corrects; a higher versionId or a later lastUpdated is the newer version.
 * Anything else is a conflict, never settled by which came first in the input.
 */
export type VersionChoice = 'first' | 'second' | 'conflict';


export function chooseVersion(first: Record<string, unknown>, second: Record<string, unknown>): VersionChoice {
  if (sameContent(first, second)) return 'first';
  const firstCorrects = CORRECTING_STATUSES.has(str(first.status) ?? '');
  const secondCorrects = CORRECTING_STATUSES.has(str(second.status) ?? '');
  if (firstCorrects !== secondCorrects) return secondCorrects ? 'second' : 'first';
  const v1 = versionNumber(first);
  const v2 = versionNumber(second);
  if (v1 !== undefined && v2 !== undefined && v1 !== v2) return v2 > v1 ? 'second' : 'first';
  const t1 = lastUpdated(first);
  const t2 = lastUpdated(second);
  if (t1 !== undefined && t2 !== undefined && t1 !== t2) return t2 > t1 ? 'second' : 'first';
  return 'conflict';
}

function versionNumber(resource: Record<string, unknown>): number | undefined {
  const text = str(obj(resource.meta)?.versionId);
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

function lastUpdated(resource: Record<string, unknown>): number | undefined {
  const text = str(obj(resource.meta)?.lastUpdated);
  return text === undefined ? undefined : parseFhirDateTime(text)?.instant;
}

/** Equal apart from `meta` (servers restamp it), whatever the key order. */
function sameContent(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return canonical(withoutMeta(a)) === canonical(withoutMeta(b));
}

function withoutMeta(resource: Record<string, unknown>): Record<string, unknown> {
  const { meta: _meta, ...rest } = resource;
  return rest;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
