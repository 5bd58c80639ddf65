import { EligoError } from '../errors/eligo-error';
import { serverCapabilities } from './capabilities';
import type { ServerCapabilities } from './capabilities';
import { searchPatientIds } from './cohort';
import type { PatientIdQuery } from './cohort';
import type { AccessTokenProvider } from './http/access-token';
import { createFhirHttp } from './http/fhir-http';
import type { FhirHttp, RetryEvent } from './http/fhir-http';
import { fetchPatientResources } from './patient-resources';
import type { FetchedPatientResources, FetchScope } from './patient-resources';

export interface FhirSourceOptions {
  /** The FHIR base URL, e.g. http://hapi:8080/fhir. */
  baseUrl: string;
  /** OAuth access token (SMART launch or backend services); sent to the base URL's origin only, never logged. */
  bearerToken?: string;
  /** Tokens that expire (SMART Backend Services), renewed as needed; takes precedence over bearerToken. */
  accessTokens?: AccessTokenProvider;
  /** Per HTTP attempt, reading the body included. Default 15 000. */
  timeoutMs?: number;
  /** Attempts after the first for 429/5xx/network failures (reads; writes only after 429/503). Default 3. */
  retries?: number;
  /** `_count` sent with searches; servers may cap it (Oracle: 200). Default 200. */
  pageSize?: number;
  /** Requests in flight at once when the server has no batch, and pages followed in parallel. Default 4. */
  concurrency?: number;
  /** First backoff ceiling in ms (doubles per attempt, full jitter). Default 200. */
  retryBaseDelayMs?: number;
  /** Longest wait a server asks for (Retry-After, RateLimit, RateLimit-Reset) that is honoured, in ms. Default 65 000 (a one-minute window). */
  maxRetryAfterMs?: number;
  onRetry?: (event: RetryEvent) => void;
}

export interface FhirSource {
  readonly baseUrl: string;
  /** HTTP requests sent through this source so far (retries included), for benchmarks. */
  readonly roundTrips: number;
  /** The server's CapabilityStatement as far as eligo cares; read once per base URL. */
  capabilities(): Promise<ServerCapabilities>;
  /** Everything screening reads for one patient (or the types `scope` names). A patient the server does not have is ERR_PATIENT_NOT_FOUND. */
  fetchPatientResources(patientId: string, scope?: FetchScope): Promise<FetchedPatientResources>;
  /** Patient ids for a cohort: Conditions with any of the codes, or a Group's members. */
  searchPatientIds(query: PatientIdQuery): Promise<string[]>;
  /** The HTTP core, for write-back. */
  readonly http: FhirHttp;
}

/** A FHIR R4 server as a data source (and write-back target) for screening. */
export function createFhirSource(options: FhirSourceOptions): FhirSource {
  let parsed: URL;
  try {
    parsed = new URL(options.baseUrl);
  } catch {
    throw new EligoError('ERR_CONFIG_INVALID', 'the FHIR base URL is not a URL', { where: 'baseUrl' });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new EligoError('ERR_CONFIG_INVALID', 'the FHIR base URL must be http or https', { where: 'baseUrl' });
  }
  const settings = {
    pageSize: positive(options.pageSize ?? 200, 'pageSize'),
    concurrency: positive(options.concurrency ?? 4, 'concurrency'),
  };
  const http = createFhirHttp({
    baseUrl: options.baseUrl,
    ...(options.bearerToken === undefined ? {} : { bearerToken: options.bearerToken }),
    ...(options.accessTokens === undefined ? {} : { accessTokens: options.accessTokens }),
    timeoutMs: positive(options.timeoutMs ?? 15_000, 'timeoutMs'),
    retry: {
      retries: Math.max(0, Math.floor(options.retries ?? 3)),
      ...(options.retryBaseDelayMs === undefined ? {} : { baseDelayMs: options.retryBaseDelayMs }),
      ...(options.maxRetryAfterMs === undefined ? {} : { retryAfterCapMs: options.maxRetryAfterMs }),
    },
    ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
  });
  return {
    baseUrl: http.baseUrl,
    get roundTrips() {
      return http.roundTrips;
    },
    http,
    capabilities: () => serverCapabilities(http),
    fetchPatientResources: async (patientId, scope) => fetchPatientResources(http, await serverCapabilities(http), patientId, settings, true, scope),
    searchPatientIds: async (query) => searchPatientIds(http, await serverCapabilities(http), query, settings),
  };
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new EligoError('ERR_CONFIG_INVALID', `${name} must be a positive number`, { where: name });
  return Math.floor(value);
}
