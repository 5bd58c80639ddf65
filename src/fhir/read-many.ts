import { EligoError } from '../errors/eligo-error';
import type { Bundle } from '@medplum/fhirtypes';
import type { ServerCapabilities } from './capabilities';
import { mapLimit } from './concurrency';
import type { FhirHttp } from './http/fhir-http';
import { sendOk } from './http/fhir-http';
import { displayBaseUrl } from './http/describe-request';
import { isRetryableStatus } from './http/retry-policy';

export interface ReadResult {
  url: string;
  status: number;
  /** The resource (read, searchset Bundle) or the OperationOutcome of a failed entry. */
  body: unknown;
}

/**
 * Several GETs in as few round trips as the server allows: one `batch` Bundle when the
 * CapabilityStatement offers batch, otherwise parallel requests (at most `concurrency`). Batch
 * entries that failed transiently (429, 5xx) are repeated on their own with the retry policy.
 */
export async function readMany(
  http: FhirHttp,
  capabilities: ServerCapabilities,
  urls: readonly string[],
  concurrency: number,
): Promise<ReadResult[]> {
  if (urls.length === 0) return [];
  if (!capabilities.batch || urls.length === 1) {
    return mapLimit(urls, concurrency, (url) => readOne(http, url));
  }
  const label = `POST / (batch of ${urls.length} reads)`;
  const response = await sendOk(http, {
    method: 'POST',
    url: '',
    idempotent: true,
    label,
    body: { resourceType: 'Bundle', type: 'batch', entry: urls.map((url) => ({ request: { method: 'GET', url } })) },
  });
  const bundle = response.body as Bundle | undefined;
  const entries = bundle?.entry ?? [];
  if (bundle?.type !== 'batch-response' || entries.length !== urls.length) {
    throw new EligoError('ERR_FHIR_REQUEST_FAILED', `FHIR server ${displayBaseUrl(http.baseUrl)} answered ${label} with something other than a batch-response of ${urls.length} entries`, {
      where: displayBaseUrl(http.baseUrl),
    });
  }
  return mapLimit(urls, concurrency, async (url, i) => {
    const entry = entries[i];
    const status = Number.parseInt(entry?.response?.status ?? '', 10);
    if (Number.isNaN(status) || isRetryableStatus(status)) return readOne(http, url);
    return { url, status, body: entry?.resource ?? entry?.response?.outcome };
  });
}

async function readOne(http: FhirHttp, url: string): Promise<ReadResult> {
  const response = await http.send({ method: 'GET', url, idempotent: true });
  return { url, status: response.status, body: response.body };
}
