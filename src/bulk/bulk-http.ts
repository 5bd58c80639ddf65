import { EligoError } from '../errors/eligo-error';
import { describeRequest, displayBaseUrl } from '../fhir/http/describe-request';
import { networkCode } from '../fhir/http/fhir-http';
import type { AccessTokenProvider } from '../fhir/http/access-token';

export interface BulkHttpOptions {
  baseUrl: string;
  auth?: AccessTokenProvider;
  /** Per request, until the response headers arrive (downloads then use their own idle timeout). */
  timeoutMs: number;
}

export interface BulkRequest {
  method: 'GET' | 'POST' | 'DELETE';
  /** Absolute, or relative to the base URL. */
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /** Send the access token (it only ever goes to the FHIR server's own origin). */
  withToken: boolean;
  signal?: AbortSignal;
}

export interface BulkHttp {
  readonly baseUrl: string;
  readonly shownBase: string;
  /** Sends once (twice after a 401 with a token source: once more with a fresh token). Network failures throw ERR_FHIR_UNAVAILABLE. */
  send(request: BulkRequest): Promise<Response>;
}

/**
 * HTTP for the Bulk Data client on Node's fetch. Unlike src/fhir's client it hands back the raw
 * Response (downloads stream the body to disk) and takes its token from a provider, so
 * a Backend Services token is renewed when it expires during a long export.
 */
export function createBulkHttp(options: BulkHttpOptions): BulkHttp {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const origin = new URL(`${baseUrl}/`).origin;
  const shownBase = displayBaseUrl(baseUrl);

  const attempt = async (request: BulkRequest, target: URL, token: string | undefined): Promise<Response> => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs);
    const abort = (): void => controller.abort();
    request.signal?.addEventListener('abort', abort, { once: true });
    try {
      return await fetch(target, {
        method: request.method,
        headers: { ...request.headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
        signal: controller.signal,
        ...(request.body === undefined ? {} : { body: request.body }),
      });
    } catch (error) {
      if (request.signal?.aborted) throw cancelled();
      const why = controller.signal.aborted ? `did not answer within ${options.timeoutMs} ms` : `could not be reached (${networkCode(error)})`;
      throw new EligoError('ERR_FHIR_UNAVAILABLE', `FHIR server ${shownBase} ${why} (${describeRequest(request.method, target.toString(), baseUrl)})`, { where: shownBase, cause: error });
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', abort);
    }
  };

  return {
    baseUrl,
    shownBase,
    send: async (request) => {
      const target = new URL(request.url, `${baseUrl}/`);
      const auth = request.withToken ? options.auth : undefined;
      if (auth && target.origin !== origin) {
        throw new EligoError(
          'ERR_FHIR_REQUEST_FAILED',
          `FHIR server ${shownBase} sent a link to another origin (${target.origin}) that needs the access token; it is not sent there`,
          { where: shownBase },
        );
      }
      const token = auth ? await auth.token(request.signal) : undefined;
      const response = await attempt(request, target, token);
      if (response.status !== 401 || !auth || token === undefined) return response;
      await response.body?.cancel();
      auth.invalidate(token);
      return attempt(request, target, await auth.token(request.signal));
    },
  };
}

export function cancelled(): EligoError {
  return new EligoError('ERR_CANCELLED', 'the Bulk Data export was cancelled');
}

/** A response body as JSON, or undefined when it is empty or not JSON. */
export async function jsonBody(response: Response): Promise<unknown> {
  return parseJsonOrUndefined(await response.text());
}

/** Text as JSON, or undefined when it is empty or not JSON (JSON.parse refuses blank text too). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
