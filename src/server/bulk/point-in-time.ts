import type { Resource } from '@medplum/fhirtypes';
import type { ResourceStore } from '../store/resource-store';

/** A resource as it stood at an export's transactionTime, with when that version was written. */
export interface VersionAt {
  resource: Resource;
  lastUpdatedMs: number;
}

/**
 * The latest version of a resource written at or before `atMs`, undefined when it did not exist
 * then or was deleted. An export runs while others write; reading versions as of the
 * transactionTime keeps the files one consistent snapshot, so the next export's `_since` picks
 * up exactly the later writes.
 */
export function versionAt(store: ResourceStore, resourceType: string, id: string, atMs: number): VersionAt | undefined {
  if (!store.current(resourceType, id)) return undefined;
  const versions = store.history(resourceType, id);
  for (let i = versions.length - 1; i >= 0; i--) {
    const version = versions[i];
    if (!version) continue;
    const writtenMs = Date.parse(version.lastUpdated);
    if (writtenMs <= atMs) return version.resource ? { resource: version.resource, lastUpdatedMs: writtenMs } : undefined;
  }
  return undefined;
}
