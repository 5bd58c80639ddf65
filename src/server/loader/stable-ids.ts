import type { Bundle } from '@medplum/fhirtypes';
import type { LoadInput } from './load-resources';

const UUID_URL = /^urn:uuid:([A-Za-z0-9-]{1,64})$/;

/**
 * Transaction entries that POST with a `urn:uuid:` fullUrl (Synthea's) are stored under that
 * uuid instead of a fresh id, so a seeded server has the same patient ids on every start: a
 * cohort run resumed in a new process, and "new since the last run", compare the same patients.
 */
export function withStableIds(input: LoadInput): LoadInput {
  const bundle = input as Bundle;
  if (Array.isArray(input) || bundle.resourceType !== 'Bundle' || (bundle.type !== 'transaction' && bundle.type !== 'batch')) return input;
  for (const entry of bundle.entry ?? []) {
    const id = UUID_URL.exec(entry.fullUrl ?? '')?.[1];
    const type = entry.resource?.resourceType;
    if (id && type && entry.request?.method === 'POST' && entry.request.url === type && !entry.request.ifNoneExist) {
      entry.request = { ...entry.request, method: 'PUT', url: `${type}/${id}` };
    }
  }
  return input;
}
