import type { Resource } from '@medplum/fhirtypes';

/** "Type/id" from a Location ("Type/id/_history/2", absolute or relative). */
export function locationKey(location: string | null | undefined): string | undefined {
  const match = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(location ?? '');
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** "Type/id" of a resource the server returned. */
export function resourceKey(resource: Resource | undefined): string | undefined {
  return resource?.id ? `${resource.resourceType}/${resource.id}` : undefined;
}
