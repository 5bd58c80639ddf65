import { getDataType } from '@medplum/core';
import type { SearchRequest } from '@medplum/core';
import type { Coding, Resource } from '@medplum/fhirtypes';
import { badRequestError, notSupportedError } from '../outcomes';

/**
 * `_summary` and `_elements` on search results (R4 search.html#summary, #elements), applied to
 * top-level elements only: nested summary flags are not followed, so a summary may carry more
 * of a complex element than a strict server would. That errs on the side R4 allows ("servers
 * are not obliged to return just the requested elements"); dropping data a client asked for
 * would not be allowed.
 */

/** R4's tag for a resource that is not the whole resource, so no client writes it back as if it were. */
export const SUBSETTED: Readonly<Coding> = {
  system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue',
  code: 'SUBSETTED',
  display: 'subsetted',
};

/** Kept in every subset: without them the resource cannot be identified or re-read. */
const ALWAYS = ['resourceType', 'id', 'meta'];

export type SummaryMode = NonNullable<SearchRequest['summary']>;

/** Checks `_elements` names against the type's top-level elements; a name the type lacks is a 400, not an empty subset. */
export function assertSupportedElements(resourceType: string, fields: readonly string[]): void {
  for (const name of fields) {
    if (name === '') throw badRequestError('_elements has an empty element name', '_elements');
    if (name.includes('.')) {
      throw notSupportedError(`_elements names top-level elements only ("${name}" is a path); the embedded server does not subset nested elements`, '_elements');
    }
    if (baseName(resourceType, name) === undefined) throw badRequestError(`_elements: ${resourceType} has no element "${name}"`, '_elements');
  }
}

/** The resource as the request's `_summary` or `_elements` shape it, tagged SUBSETTED; the resource itself when neither applies. */
export function shapeResource(resource: Resource, request: Pick<SearchRequest, 'summary' | 'fields' | 'resourceType'>): Resource {
  const keep = keptElements(resource.resourceType, request);
  if (!keep) return resource;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resource)) {
    const base = baseName(resource.resourceType, key.startsWith('_') ? key.slice(1) : key);
    if (ALWAYS.includes(key) || (base !== undefined && keep.has(base))) out[key] = value;
  }
  const meta = { ...(resource.meta ?? {}) };
  meta.tag = [...(meta.tag ?? []).filter((t) => !(t.system === SUBSETTED.system && t.code === SUBSETTED.code)), { ...SUBSETTED }];
  out.meta = meta;
  return out as unknown as Resource;
}

/** Base element names to keep, or undefined for the whole resource. */
function keptElements(resourceType: string, request: Pick<SearchRequest, 'summary' | 'fields' | 'resourceType'>): Set<string> | undefined {
  const schema = getDataType(resourceType);
  const mandatory = [...(schema.mandatoryProperties ?? [])];
  const all = Object.keys(schema.elements).map(stripChoice);
  if (request.summary !== undefined) {
    const mode: SummaryMode = request.summary;
    switch (mode) {
      case 'true':
        return new Set([...(schema.summaryProperties ?? []), ...mandatory]);
      case 'text':
        return new Set(['text', ...mandatory]);
      case 'data':
        return new Set(all.filter((name) => name !== 'text'));
    }
  }
  // _elements only shapes the searched type: the names belong to it, not to _include'd types.
  if (request.fields && resourceType === request.resourceType) {
    return new Set([...request.fields.map((f) => baseName(resourceType, f) ?? f), ...mandatory]);
  }
  return undefined;
}

/**
 * The element a JSON property belongs to: "code" is code, "valueQuantity" and "value" are
 * value[x]. Undefined when the type has no such element.
 */
function baseName(resourceType: string, property: string): string | undefined {
  const { elements } = getDataType(resourceType);
  if (elements[property] && !property.endsWith('[x]')) return property;
  if (elements[`${property}[x]`]) return property;
  for (const [path, element] of Object.entries(elements)) {
    if (!path.endsWith('[x]')) continue;
    const stem = stripChoice(path);
    const suffix = property.slice(stem.length);
    if (property.startsWith(stem) && element.type.some((t) => t.code.charAt(0).toUpperCase() + t.code.slice(1) === suffix)) return stem;
  }
  return undefined;
}

function stripChoice(path: string): string {
  return path.endsWith('[x]') ? path.slice(0, -3) : path;
}
