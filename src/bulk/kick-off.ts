import { EligoError } from '../errors/eligo-error';
import type { EligoErrorCode } from '../errors/eligo-error';
import { outcomeText } from '../fhir/http/fhir-http';
import { parseRetryAfter } from '../fhir/http/retry-policy';
import type { BulkHttp } from './bulk-http';
import { jsonBody } from './bulk-http';
import type { BulkEvent } from './events';
import type { ExportRequest } from './export-request';
import { kickOffParameters, kickOffPath } from './export-request';
import { wait } from './wait';

export interface KickOffSettings {
  /** Attempts after the first when the server says "not now" (429, 503) or cannot be reached. */
  retries: number;
  backoffMs: number;
  maxRetryAfterMs: number;
}

/** Statuses that say the server will not take a POST kick-off at all (then GET is tried). */
const POST_REFUSED = new Set([405, 415, 501]);
const TRANSIENT = new Set([429, 502, 503, 504]);

/**
 * Starts an export: POST with a Parameters body (the IG's preferred form), GET with the same
 * parameters only when the server refuses POST itself. Returns the status URL from
 * Content-Location.
 */
export async function kickOff(
  http: BulkHttp,
  request: ExportRequest,
  settings: KickOffSettings,
  signal: AbortSignal | undefined,
  onEvent: (event: BulkEvent) => void,
): Promise<string> {
  const parameters = kickOffParameters(request);
  const path = kickOffPath(request.level);
  const headers = { accept: 'application/fhir+json', prefer: 'respond-async' };
  const post = (): Promise<Response> =>
    http.send({
      method: 'POST',
      url: path,
      headers: { ...headers, 'content-type': 'application/fhir+json' },
      body: JSON.stringify({
        resourceType: 'Parameters',
        parameter: parameters.map((p) => (p.kind === 'valueReference' ? { name: p.name, valueReference: { reference: p.value } } : { name: p.name, [p.kind]: p.value })),
      }),
      withToken: true,
      ...(signal ? { signal } : {}),
    });
  const get = (): Promise<Response> => {
    const query = new URLSearchParams(parameters.map((p): [string, string] => [p.name, p.value]));
    return http.send({ method: 'GET', url: `${path}?${query.toString()}`, headers, withToken: true, ...(signal ? { signal } : {}) });
  };

  let method: 'POST' | 'GET' = 'POST';
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await (method === 'POST' ? post() : get());
    } catch (error) {
      if (error instanceof EligoError && error.code === 'ERR_FHIR_UNAVAILABLE' && attempt < settings.retries) {
        await wait(settings.backoffMs * 2 ** attempt, signal);
        continue;
      }
      throw error;
    }
    onEvent({ type: 'kick-off', method, status: response.status });
    const body = await jsonBody(response);
    if (response.status === 202) {
      const location = response.headers.get('content-location');
      if (!location) throw new EligoError('ERR_FHIR_REQUEST_FAILED', `FHIR server ${http.shownBase} accepted the $export but gave no Content-Location to poll`, { where: http.shownBase });
      return new URL(location, `${http.baseUrl}/`).toString();
    }
    if (method === 'POST' && POST_REFUSED.has(response.status)) {
      method = 'GET';
      continue;
    }
    if (TRANSIENT.has(response.status) && attempt < settings.retries) {
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'), Date.now());
      await wait(Math.min(retryAfter ?? settings.backoffMs * 2 ** attempt, settings.maxRetryAfterMs), signal);
      continue;
    }
    throw new EligoError(codeFor(response.status), `FHIR server ${http.shownBase} answered ${response.status} to ${method} ${path}${outcomeText(body)}`, { where: http.shownBase });
  }
}

export function codeFor(status: number): EligoErrorCode {
  if (status === 401) return 'ERR_UNAUTHORIZED';
  if (status === 403) return 'ERR_FORBIDDEN';
  if (status === 404 || status === 410) return 'ERR_NOT_FOUND';
  if (status >= 500 || status === 429) return 'ERR_FHIR_UNAVAILABLE';
  return 'ERR_FHIR_REQUEST_FAILED';
}
