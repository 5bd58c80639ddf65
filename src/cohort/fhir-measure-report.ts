import type { Bundle, MeasureReport } from '@medplum/fhirtypes';
import type { FhirSource } from '../fhir';
import { sendOk } from '../fhir/http/fhir-http';
import { locationKey, resourceKey } from '../fhir/http/location';
import type { MeasureReportWriter } from './run/run-cohort';

/**
 * Writes the summary MeasureReport by its run identifier, not by a client-chosen id (servers
 * that assign ids, Medplum among them, refuse those): a conditional update creates it the
 * first time and updates the same resource when a resumed run completes again. A server
 * without conditional update gets a search by identifier, then an update of what it found or
 * a create.
 */
export function fhirMeasureReportWriter(fhir: FhirSource): MeasureReportWriter {
  return {
    write: async (report) => {
      const identifier = report.identifier?.[0];
      const query = `identifier=${encodeURIComponent(`${identifier?.system ?? ''}|${identifier?.value ?? ''}`)}`;
      const { id: _clientId, ...body } = report;
      const label = 'MeasureReport (cohort summary)';
      const conditional = await fhir.http.send({ method: 'PUT', url: `MeasureReport?${query}`, body, idempotent: true, label: `PUT ${label}` });
      if (conditional.status >= 200 && conditional.status < 300) return keyOf(conditional.headers.get('location'), conditional.body as MeasureReport | undefined);
      if (![400, 404, 405, 412, 422, 501].includes(conditional.status)) {
        // Anything else (401, 403, 5xx after retries) is the answer: fail with it.
        await sendOk(fhir.http, { method: 'PUT', url: `MeasureReport?${query}`, body, idempotent: true, label: `PUT ${label}` });
      }
      const found = await sendOk(fhir.http, { method: 'GET', url: `MeasureReport?${query}&_count=1`, idempotent: true });
      const existing = (found.body as Bundle<MeasureReport> | undefined)?.entry?.[0]?.resource;
      if (existing?.id) {
        const updated = await sendOk(fhir.http, { method: 'PUT', url: `MeasureReport/${existing.id}`, body: { ...body, id: existing.id }, idempotent: true, label: `PUT ${label}` });
        return keyOf(updated.headers.get('location'), updated.body as MeasureReport | undefined) || `MeasureReport/${existing.id}`;
      }
      const created = await sendOk(fhir.http, { method: 'POST', url: 'MeasureReport', body, idempotent: false, label: `POST ${label}` });
      return keyOf(created.headers.get('location'), created.body as MeasureReport | undefined);
    },
  };
}

function keyOf(location: string | null, body: MeasureReport | undefined): string {
  return locationKey(location) ?? resourceKey(body) ?? 'MeasureReport';
}
