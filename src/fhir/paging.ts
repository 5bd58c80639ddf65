import { EligoError } from '../errors/eligo-error';
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import type { FhirHttp } from './http/fhir-http';
import { httpError, sendOk } from './http/fhir-http';
import { describeRequest, displayBaseUrl } from './http/describe-request';
import type { ReadResult } from './read-many';

export const MAX_PAGES = 10_000;

/**
 * Watches the next links of one search so a server that pages without end is stopped, with a
 * message that says what it did: sent a link it had sent before (a cycle), or kept sending new
 * links past `maxPages` pages (a cursor that never runs out). The two need different fixes on
 * the server side, so the message must not guess.
 */
export class NextLinkGuard {
  private readonly seen = new Set<string>();
  private pages = 1;

  constructor(
    private readonly baseUrl: string,
    private readonly label: string,
    private readonly maxPages = MAX_PAGES,
  ) {}

  /** Call before following `next`; throws ERR_FHIR_REQUEST_FAILED when following it would loop. */
  follow(next: string): void {
    const shown = displayBaseUrl(this.baseUrl);
    if (this.seen.has(next)) {
      throw new EligoError('ERR_FHIR_REQUEST_FAILED', `FHIR server ${shown} sent a next link it had already sent for ${this.label} (after ${this.pages} pages): the paging goes round in a circle`, {
        where: shown,
      });
    }
    if (this.pages >= this.maxPages) {
      throw new EligoError(
        'ERR_FHIR_REQUEST_FAILED',
        `FHIR server ${shown} sent more than ${this.maxPages} pages for ${this.label}, each with a new next link; paging stopped there rather than follow it without end`,
        { where: shown },
      );
    }
    this.seen.add(next);
    this.pages++;
  }
}

/**
 * Every entry of a search, following `link[next]` exactly as the server gave it (servers encode
 * their own cursors in it) until there is none. A link that repeats, or more than `maxPages`
 * pages, is an error, not a loop.
 */
export async function collectPages(http: FhirHttp, first: Bundle, label: string, maxPages = MAX_PAGES): Promise<BundleEntry[]> {
  const entries: BundleEntry[] = [...(first.entry ?? [])];
  const guard = new NextLinkGuard(http.baseUrl, label, maxPages);
  let page = first;
  for (;;) {
    const next = page.link?.find((l) => l.relation === 'next')?.url;
    if (!next) return entries;
    guard.follow(next);
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
