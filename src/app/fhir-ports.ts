import type { Config } from '../config';
import { createFhirSource, writeBack, type FhirSource, type FhirSourceOptions } from '../fhir';
import type { AccessTokenProvider } from '../fhir/http/access-token';
import type { PatientSource, ReportWriter } from '../usecases/ports';
import { SERVICE_VERSION } from '../version';
import { accessTokensFromConfig, type AccessTokenConfig } from './access-tokens';

export interface FhirPorts {
  fhir: FhirSource;
  source: PatientSource;
  writer: ReportWriter;
  /** The credentials the client sends, for the Bulk Data client to share. */
  accessTokens?: AccessTokenProvider;
}

/** The FHIR client behind the use cases' ports: one source for reads and write-back. */
export function fhirPorts(options: Pick<FhirSourceOptions, 'baseUrl' | 'bearerToken' | 'accessTokens' | 'timeoutMs' | 'retries'>): FhirPorts {
  const fhir = createFhirSource(options);
  return {
    fhir,
    source: { label: fhir.baseUrl, fetchPatientResources: (patientId, scope) => fhir.fetchPatientResources(patientId, scope) },
    writer: {
      writeReport: async (trial, report) => {
        const result = await writeBack(fhir, { trial: trial.def, report, serviceVersion: SERVICE_VERSION });
        return { written: result.written, warnings: result.warnings };
      },
    },
    ...(options.accessTokens ? { accessTokens: options.accessTokens } : {}),
  };
}

export type FhirClientConfig = AccessTokenConfig & Pick<Config, 'ELIGO_FHIR_TIMEOUT_MS' | 'ELIGO_FHIR_RETRIES'>;

/**
 * The ports for a FHIR server as configured: timeouts, retries and credentials (the fixed
 * token or SMART Backend Services). `open`: the embedded server, which takes none; the
 * configured credentials are for the configured server only.
 */
export function fhirPortsFromConfig(config: FhirClientConfig, baseUrl: string, options: { open?: boolean } = {}): FhirPorts {
  const accessTokens = options.open ? undefined : accessTokensFromConfig(config, baseUrl);
  return fhirPorts({ baseUrl, timeoutMs: config.ELIGO_FHIR_TIMEOUT_MS, retries: config.ELIGO_FHIR_RETRIES, ...(accessTokens ? { accessTokens } : {}) });
}
