import type { Resource } from '@medplum/fhirtypes';
import { badRequestError, preconditionFailedError } from '../outcomes';
import type { EmbeddedRepository } from '../repository';
import { parseSearchQuery } from '../search/parse-query';
import type { RawQuery } from '../search/parse-query';

/**
 * `If-Match` as @medplum/fhir-router reads it: it only understands a quoted ETag (W/"3") and
 * silently ignores `3`, which would turn a version check into a blind overwrite.
 */
export function normaliseIfMatch(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^(?:W\/)?"?([^"]+)"?$/.exec(header.trim());
  return match ? `W/"${match[1]}"` : header;
}

export function rawQuery(search: string): RawQuery {
  const out: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(search)) (out[key] ??= []).push(value);
  return out;
}

/**
 * Conditional update with If-Match (`PUT Type?identifier=...` + `If-Match: W/"2"`): the router's
 * conditional update ignores If-Match, so resolve the search here and turn the request into a
 * plain `PUT Type/id`, where the version check applies. No match or several matches is 412.
 */
export async function resolveConditionalUpdate(
  repo: EmbeddedRepository,
  resourceType: string,
  search: string,
  body: unknown,
): Promise<{ url: string; body: Resource }> {
  const request = parseSearchQuery(resourceType, rawQuery(search));
  const bundle = await repo.search({ ...request, count: 2, offset: 0 });
  const matches = (bundle.entry ?? []).filter((e) => e.search?.mode !== 'include');
  const only = matches[0]?.resource;
  if (matches.length !== 1 || !only?.id) {
    throw preconditionFailedError(
      `If-Match on a conditional update needs exactly one ${resourceType} matching the condition; found ${matches.length}`,
    );
  }
  const resource = body as Resource;
  if (resource.id !== undefined && resource.id !== only.id) {
    throw badRequestError(`the body's id ${resource.id} is not the matched ${resourceType}/${only.id}`);
  }
  return { url: `${resourceType}/${only.id}`, body: { ...resource, id: only.id } };
}
