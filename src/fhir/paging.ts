import { EligoError } from '../errors/eligo-error';
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { FhirHttp } from './http/fhir-http';
import { sendOk } from './http/fhir-http';
import { displayBaseUrl } from './http/describe-request';

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

export function asBundle(http: FhirHttp, body: unknown, label: string): Bundle {
  const bundle = body as Bundle | undefined;
  if (bundle?.resourceType !== 'Bundle') {
    throw new EligoError('ERR_FHIR_REQUEST_FAILED', `FHIR server ${displayBaseUrl(http.baseUrl)} did not answer ${label} with a Bundle`, {
      where: displayBaseUrl(http.baseUrl),
    });
  }
  return bundle;
}
