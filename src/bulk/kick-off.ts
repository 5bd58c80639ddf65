import { EligoError } from '../errors/eligo-error';
import type { EligoErrorCode } from '../errors/eligo-error';
import { outcomeText } from '../fhir/http/fhir-http';
import { parseServerWait } from '../fhir/http/retry-policy';
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

const TRANSIENT = new Set([429, 502, 503, 504]);
/** Statuses that say the server will not take a POST kick-off at all. */
const POST_REFUSED = new Set([404, 405, 415, 501]);

/**
 * Starts an export and returns the status URL from Content-Location.
 *
 * GET with the parameters in the query is the kick-off the Bulk Data IG requires of every server
 * (POST with a Parameters body is optional, and Medplum answers it 404 on Patient and Group), so
 * GET is what is sent. POST is sent only
 * - when the request narrows to `patient`s: that parameter is a Reference, defined for the
 *   Parameters body; if the server refuses the POST the export fails rather than quietly
 *   widening to every patient;
 * - after a GET answered 405: the server says the operation exists but wants another method
 *   (an older POST-only server). A 405 means the GET was not processed, so nothing is started
 *   twice. A 404 is not taken as that: it means no such export (or Group) here.
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

  const needsPost = parameters.some((p) => p.kind === 'valueReference');
  let method: 'POST' | 'GET' = needsPost ? 'POST' : 'GET';
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
    if (method === 'GET' && response.status === 405) {
      method = 'POST';
      continue;
    }
    if (method === 'POST' && needsPost && POST_REFUSED.has(response.status)) {
      throw new EligoError(
        'ERR_FHIR_REQUEST_FAILED',
        `FHIR server ${http.shownBase} answered ${response.status} to POST ${path}: it does not take a POST kick-off, the only form that carries the patient parameter; export without narrowing to patients${outcomeText(body)}`,
        { where: http.shownBase },
      );
    }
    if (TRANSIENT.has(response.status) && attempt < settings.retries) {
      const retryAfter = parseServerWait(response.headers, Date.now());
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
