import { EligoError } from '../errors/eligo-error';
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { FhirHttp } from './http/fhir-http';
import { httpError, sendOk } from './http/fhir-http';
import { describeRequest, displayBaseUrl } from './http/describe-request';
import type { ReadResult } from './read-many';

const MAX_PAGES = 10_000;

/**
 * Every entry of a search, following `link[next]` exactly as the server gave it (servers encode
 * their own cursors in it) until there is none. A link that repeats is an error, not a loop.
 */
export async function collectPages(http: FhirHttp, first: Bundle, label: string): Promise<BundleEntry[]> {
  const entries: BundleEntry[] = [...(first.entry ?? [])];
  const seen = new Set<string>();
  let page = first;
  for (let n = 1; ; n++) {
    const next = page.link?.find((l) => l.relation === 'next')?.url;
    if (!next) return entries;
    if (seen.has(next) || n >= MAX_PAGES) {
      throw new EligoError('ERR_FHIR_REQUEST_FAILED', `FHIR server ${displayBaseUrl(http.baseUrl)} keeps sending the same next page for ${label}`, {
        where: displayBaseUrl(http.baseUrl),
      });
    }
    seen.add(next);
    const response = await sendOk(http, { method: 'GET', url: next, idempotent: true });
    page = asBundle(http, response.body, label);
    entries.push(...(page.entry ?? []));
  }
}

/** Every entry of one search readMany sent: a non-2xx answer is the search's error, every page followed. */
export async function searchEntries(http: FhirHttp, read: ReadResult): Promise<BundleEntry[]> {
  const label = describeRequest('GET', read.url, http.baseUrl);
  if (read.status < 200 || read.status >= 300) throw httpError(http, { method: 'GET', url: read.url, idempotent: true, label }, read);
  return collectPages(http, asBundle(http, read.body, label), label);
}

export function asBundle(http: FhirHttp, body: unknown, label: string): Bundle {
  const bundle = body as Bundle | undefined;
  if (bundle?.resourceType !== 'Bundle') {
    throw new EligoError('ERR_FHIR_REQUEST_FAILED', `FHIR server ${displayBaseUrl(http.baseUrl)} did not answer ${label} with a Bundle`, {
      where: displayBaseUrl(http.baseUrl),
    });
  }
  return bundle;
}
