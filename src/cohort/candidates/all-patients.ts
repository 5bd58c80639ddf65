import { EligoError } from '../../errors/eligo-error';
import type { FhirSource } from '../../fhir';
import { NextLinkGuard } from '../../fhir/paging';
import type { Patient } from '@medplum/fhirtypes';
import type { CandidateSource } from '../types';
import { okBundle } from './condition-pages';
import { candidatesFromIds } from './from-ids';

const PAGE_SIZE = 200;

/**
 * Every Patient on the server: the population a Patient-level $export selects, for servers
 * that do not export. Pages through `Patient?_elements=id` (only ids cross the wire); a server
 * that refuses `_elements` (a 4xx on the first page) is asked again without it.
 */
export function allPatientsSource(fhir: FhirSource): CandidateSource {
  return {
    replay: 'snapshot',
    description: 'every Patient on the server',
    open: async (signal) => {
      const ids = new Set<string>();
      const label = 'Patient search (every patient)';
      let first = await fhir.http.send({ method: 'GET', url: `Patient?_elements=id&_count=${PAGE_SIZE}`, idempotent: true, label: `GET ${label}` });
      if (first.status >= 400 && first.status < 500 && first.status !== 401 && first.status !== 403) {
        first = await fhir.http.send({ method: 'GET', url: `Patient?_count=${PAGE_SIZE}`, idempotent: true, label: `GET ${label}` });
      }
      let page = okBundle(fhir, first, label);
      const guard = new NextLinkGuard(fhir.baseUrl, label);
      for (;;) {
        for (const entry of page.entry ?? []) {
          const patient = entry.resource as Patient | undefined;
          if (patient?.resourceType === 'Patient' && patient.id) ids.add(patient.id);
        }
        const next = page.link?.find((l) => l.relation === 'next')?.url;
        if (!next) break;
        if (signal.aborted) throw new EligoError('ERR_CANCELLED', 'the run was cancelled while selecting candidates');
        guard.follow(next);
        page = okBundle(fhir, await fhir.http.send({ method: 'GET', url: next, idempotent: true, label: `GET ${label} (next page)` }), label);
      }
      return { total: ids.size, candidates: candidatesFromIds(ids) };
    },
  };
}
