import { createFhirSource, writeBack, type FhirSource, type FhirSourceOptions } from '../fhir';
import type { PatientSource, ReportWriter } from '../usecases/ports';
import { SERVICE_VERSION } from '../version';

export interface FhirPorts {
  fhir: FhirSource;
  source: PatientSource;
  writer: ReportWriter;
}

/** The FHIR client behind the use cases' ports: one source for reads and write-back. */
export function fhirPorts(options: Pick<FhirSourceOptions, 'baseUrl' | 'bearerToken' | 'accessTokens' | 'timeoutMs' | 'retries'>): FhirPorts {
  const fhir = createFhirSource(options);
  return {
    fhir,
    source: { label: fhir.baseUrl, fetchPatientResources: (patientId) => fhir.fetchPatientResources(patientId) },
    writer: {
      writeReport: async (trial, report) => {
        const result = await writeBack(fhir, { trial: trial.def, report, serviceVersion: SERVICE_VERSION });
        return { written: result.written };
      },
    },
  };
}
