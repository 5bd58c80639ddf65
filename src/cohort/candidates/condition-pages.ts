import { EligoError } from '../../errors/eligo-error';
import type { FhirSource } from '../../fhir';
import { displayBaseUrl } from '../../fhir/http/describe-request';
import { NextLinkGuard } from '../../fhir/paging';
import type { Bundle, Condition } from '@medplum/fhirtypes';

const PATIENT_REFERENCE = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;

export type SearchAnswer = { refused: true; status: number } | { refused: false; patientIds: string[] };

/**
 * The subjects of a Condition search, every page followed as the server links it. A 4xx on the
 * first page means the server does not support the search (an unknown modifier): the caller
 * decides what to do instead. Later pages and 5xx fail the selection.
 */
export async function conditionSubjects(fhir: FhirSource, query: string, signal: AbortSignal): Promise<SearchAnswer> {
  const label = `Condition search (${query.split('=')[0] ?? 'query'})`;
  const first = await fhir.http.send({ method: 'GET', url: `Condition?${query}`, idempotent: true, label: `GET ${label}` });
  if (first.status >= 400 && first.status < 500 && first.status !== 401 && first.status !== 403) return { refused: true, status: first.status };
  const ids = new Set<string>();
  let page = okBundle(fhir, first, label);
  const guard = new NextLinkGuard(fhir.baseUrl, label);
  for (;;) {
    for (const entry of page.entry ?? []) {
      const condition = entry.resource as Condition | undefined;
      if (condition?.resourceType !== 'Condition') continue;
      const id = PATIENT_REFERENCE.exec(condition.subject?.reference ?? '')?.[1];
      if (id) ids.add(id);
    }
    const next = page.link?.find((l) => l.relation === 'next')?.url;
    if (!next) return { refused: false, patientIds: [...ids] };
    if (signal.aborted) throw new EligoError('ERR_CANCELLED', 'the run was cancelled while selecting candidates');
    guard.follow(next);
    page = okBundle(fhir, await fhir.http.send({ method: 'GET', url: next, idempotent: true, label: `GET ${label} (next page)` }), label);
  }
}

export function okBundle(fhir: FhirSource, response: { status: number; body: unknown }, label: string): Bundle {
  if (response.status === 401 || response.status === 403) {
    throw new EligoError(response.status === 401 ? 'ERR_UNAUTHORIZED' : 'ERR_FORBIDDEN', `FHIR server ${displayBaseUrl(fhir.baseUrl)} refused ${label} (${response.status})`);
  }
  if (response.status < 200 || response.status >= 300) {
    throw new EligoError(response.status >= 500 ? 'ERR_FHIR_UNAVAILABLE' : 'ERR_FHIR_REQUEST_FAILED', `FHIR server ${displayBaseUrl(fhir.baseUrl)} answered ${response.status} to ${label}`);
  }
  const bundle = response.body as Bundle | undefined;
  if (bundle?.resourceType !== 'Bundle') throw new EligoError('ERR_FHIR_REQUEST_FAILED', `FHIR server ${displayBaseUrl(fhir.baseUrl)} did not answer ${label} with a Bundle`);
  return bundle;
}

/** Whether the server answers a Condition search at all (first page only): a 4xx says it does not support it. */
export async function answersConditionSearch(fhir: FhirSource, query: string): Promise<boolean> {
  const label = `Condition search (${query.split('=')[0] ?? 'query'})`;
  const response = await fhir.http.send({ method: 'GET', url: `Condition?${query}`, idempotent: true, label: `GET ${label}` });
  if (response.status >= 400 && response.status < 500 && response.status !== 401 && response.status !== 403) return false;
  okBundle(fhir, response, label);
  return true;
}
