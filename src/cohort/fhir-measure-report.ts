import type { FhirSource } from '../fhir';
import { sendOk } from '../fhir/http/fhir-http';
import type { MeasureReportWriter } from './run/run-cohort';

/**
 * Writes the summary MeasureReport with PUT to its deterministic id: writing it again (a
 * resumed run that completes twice) updates the same resource instead of adding another.
 */
export function fhirMeasureReportWriter(fhir: FhirSource): MeasureReportWriter {
  return {
    write: async (report) => {
      const id = report.id ?? '';
      await sendOk(fhir.http, { method: 'PUT', url: `MeasureReport/${id}`, body: report, idempotent: true, label: 'PUT MeasureReport (cohort summary)' });
      return `MeasureReport/${id}`;
    },
  };
}
