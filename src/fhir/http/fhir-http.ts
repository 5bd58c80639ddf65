import { setTimeout as sleep } from 'node:timers/promises';
import { EligoError } from '../../errors/eligo-error';
import type { EligoErrorCode } from '../../errors/eligo-error';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { describeRequest, displayBaseUrl } from './describe-request';
import { DEFAULT_RETRY_POLICY, isRetryableStatus, isRetryableWriteStatus, parseServerWait, retryDelayMs } from './retry-policy';
import type { RetryPolicy } from './retry-policy';
import { staticToken, type AccessTokenProvider } from './access-token';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface FhirHttpRequest {
  method: HttpMethod;
  /** Relative to the base ("Patient/1", "Observation?patient=1", "" for batch) or absolute (a next link, as given). */
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  /**
   * True for reads (and batches of reads): repeated after any transient failure. Writes are
   * repeated only after 429/503, which say the server did not process them.
   */
  idempotent: boolean;
  /** How errors name the request when the method and path say too little ("batch of 12 searches"). */
  label?: string;
}

export interface FhirHttpResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: unknown;
}

export interface RetryEvent {
  request: string;
  attempt: number;
  delayMs: number;
  reason: string;
}

export interface FhirHttpOptions {
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` to the base URL's origin only; never logged or put in errors. */
  bearerToken?: string;
  /** Tokens that expire (SMART Backend Services): asked before each request, renewed once after a 401. Takes precedence over bearerToken. */
  accessTokens?: AccessTokenProvider;
  timeoutMs: number;
  retry?: Partial<RetryPolicy>;
  /** Told about every retry (metrics, tests); gets no token and no query values. */
  onRetry?: (event: RetryEvent) => void;
}

export interface FhirHttp {
  readonly baseUrl: string;
  /** HTTP requests sent so far, retries included. */
  readonly roundTrips: number;
  /**
   * Sends one request, retrying per the policy; returns the final response whatever its status
   * (callers decide what a 404 means). Throws ERR_FHIR_UNAVAILABLE when the server cannot be
   * reached, times out or keeps failing, naming the server and the request.
   */
  send(request: FhirHttpRequest): Promise<FhirHttpResponse>;
}

/**
 * The FHIR client's HTTP core, on Node's fetch. fhir-kit-client (a dev dependency: a test uses it as an independent client of the embedded server) is not the core: 2.x is ESM-only
 * (this build is CommonJS and jest runs CommonJS), its debug logging prints request headers
 * (the bearer token) and its errors carry the full URL with query values, and it exposes no
 * response headers to honour Retry-After.
 */
export function createFhirHttp(options: FhirHttpOptions): FhirHttp {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const baseOrigin = new URL(`${baseUrl}/`).origin;
  const shownBase = displayBaseUrl(baseUrl);
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  const tokens = options.accessTokens ?? (options.bearerToken === undefined ? undefined : staticToken(options.bearerToken));
  let roundTrips = 0;

  async function attempt(request: FhirHttpRequest, target: URL, label: string, token: string | undefined): Promise<FhirHttpResponse> {
    const headers: Record<string, string> = { accept: 'application/fhir+json', ...request.headers };
    if (request.body !== undefined) headers['content-type'] = 'application/fhir+json';
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs);
    roundTrips++;
    let status: number;
    let responseHeaders: Headers;
    let text: string;
    try {
      const response = await fetch(target, {
        method: request.method,
        headers,
        signal: controller.signal,
        ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      });
      status = response.status;
      responseHeaders = response.headers;
      text = await response.text();
    } catch (error) {
      throw controller.signal.aborted ? new TimedOut() : error;
    } finally {
      clearTimeout(timer);
    }
    const html = /^\s*text\/html\b/i.test(responseHeaders.get('content-type') ?? '');
    const body = html ? NOT_JSON : parseBody(text);
    if (body === NOT_JSON) {
      // A cut-off body, or a proxy's or login page's HTML with a 200, is no answer at all: the
      // caller must not read it as "nothing found". The send loop retries it like a dropped connection.
      if (status >= 200 && status < 300) throw new Unreadable(status, html ? 'an HTML page' : 'a body that is not JSON, cut off or garbled');
      // A proxy's HTML error page: keep the status, drop the body.
      return { status, headers: responseHeaders, body: undefined };
    }
    return { status, headers: responseHeaders, body };
  }

  async function send(request: FhirHttpRequest): Promise<FhirHttpResponse> {
    const target = new URL(request.url, `${baseUrl}/`);
    const label = request.label ?? describeRequest(request.method, target.toString(), baseUrl);
    if (tokens !== undefined && target.origin !== baseOrigin) {
      throw new EligoError(
        'ERR_FHIR_REQUEST_FAILED',
        `FHIR server ${shownBase} sent a link to another origin (${target.origin}) for ${label}; the access token is not sent there. ` +
          'Set the server\'s public base URL (HAPI: server_address).',
        { where: shownBase },
      );
    }
    let renewed = false;
    for (let attemptNo = 0; ; attemptNo++) {
      let failure: string;
      let retryAfterMs: number | undefined;
      let retryable: boolean;
      let throttled: boolean;
      try {
        const token = await tokens?.token();
        const response = await attempt(request, target, label, token);
        // An expired token: one more try with a fresh one (a fixed token is not renewed, so the 401 stands).
        if (response.status === 401 && token !== undefined && options.accessTokens && !renewed) {
          renewed = true;
          tokens?.invalidate(token);
          attemptNo--;
          continue;
        }
        const retryStatus = request.idempotent ? isRetryableStatus(response.status) : isRetryableWriteStatus(response.status);
        if (!retryStatus) return response;
        failure = `answered ${response.status}`;
        retryAfterMs = parseServerWait(response.headers, Date.now());
        throttled = response.status === 429;
        retryable = true;
      } catch (error) {
        if (error instanceof EligoError) throw error;
        throttled = false;
        if (error instanceof Unreadable) {
          failure = `gave an answer that could not be read (${error.status} with ${error.what})`;
          // Reads are safe to repeat; a write that got a 2xx was probably applied and is not sent again.
          retryable = request.idempotent;
        } else {
          const timedOut = error instanceof TimedOut;
          failure = timedOut ? `did not answer within ${options.timeoutMs} ms` : `could not be reached (${networkCode(error)})`;
          // A write that may have arrived is not repeated; a refused connection never arrived.
          retryable = request.idempotent || networkCode(error) === 'ECONNREFUSED';
        }
      }
      if (!retryable || attemptNo >= policy.retries) {
        const waitMs = throttled ? (retryAfterMs ?? retryDelayMs(policy, attemptNo + 1, undefined, Math.random)) : undefined;
        throw unavailable(shownBase, label, failure, attemptNo + 1, !request.idempotent && !retryable, waitMs);
      }
      const delayMs = retryDelayMs(policy, attemptNo + 1, retryAfterMs, Math.random);
      options.onRetry?.({ request: label, attempt: attemptNo + 1, delayMs, reason: failure });
      await sleep(delayMs);
    }
  }

  return {
    baseUrl,
    get roundTrips() {
      return roundTrips;
    },
    send,
  };
}

class TimedOut extends Error {}

/** A 2xx whose body is not a FHIR answer (cut off, or an HTML page). */
class Unreadable extends Error {
  constructor(
    readonly status: number,
    readonly what: string,
  ) {
    super(what);
  }
}

const NOT_JSON = Symbol('not JSON');

function parseBody(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

/** The network error's code (ECONNREFUSED, ...) for messages, else its message. */
export function networkCode(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  return error instanceof Error ? error.message : 'network error';
}

/**
 * `throttledWaitMs`: the server refused for rate (429) and asked for this wait. It rides on the
 * error as retryAfterSeconds so a caller with time (a cohort run) waits and comes back instead
 * of taking the server for down.
 */
function unavailable(base: string, label: string, failure: string, attempts: number, maybeWritten: boolean, throttledWaitMs?: number): EligoError {
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  const unknownOutcome = maybeWritten ? '; the write may or may not have been applied' : '';
  return new EligoError('ERR_FHIR_UNAVAILABLE', `FHIR server ${base} ${failure} for ${label} (${tries})${unknownOutcome}`, {
    where: base,
    ...(throttledWaitMs === undefined ? {} : { retryAfterSeconds: Math.max(1, Math.ceil(throttledWaitMs / 1000)) }),
  });
}

/** The OperationOutcome's first issue text, for error messages (servers put their reason there). */
export function outcomeText(body: unknown): string {
  const outcome = body as OperationOutcome | undefined;
  if (outcome?.resourceType !== 'OperationOutcome') return '';
  const text = (outcome.issue ?? [])
    .map((i) => i.details?.text ?? i.diagnostics ?? i.code)
    .filter(Boolean)
    .join('; ');
  return text ? `: ${text.slice(0, 300)}` : '';
}

/** A non-2xx final response as the EligoError callers branch on. */
export function httpError(http: FhirHttp, request: FhirHttpRequest, response: { status: number; body: unknown }): EligoError {
  const label = request.label ?? describeRequest(request.method, request.url, http.baseUrl);
  const code = errorCodeFor(response.status);
  return new EligoError(code, `FHIR server ${displayBaseUrl(http.baseUrl)} answered ${response.status} to ${label}${outcomeText(response.body)}`, {
    where: displayBaseUrl(http.baseUrl),
  });
}

function errorCodeFor(status: number): EligoErrorCode {
  if (status === 401) return 'ERR_UNAUTHORIZED';
  if (status === 403) return 'ERR_FORBIDDEN';
  if (status === 404 || status === 410) return 'ERR_NOT_FOUND';
  if (status === 409 || status === 412) return 'ERR_WRITE_CONFLICT';
  if (status >= 500) return 'ERR_FHIR_UNAVAILABLE';
  return 'ERR_FHIR_REQUEST_FAILED';
}

/** Sends and requires a 2xx answer. */
export async function sendOk(http: FhirHttp, request: FhirHttpRequest): Promise<FhirHttpResponse> {
  const response = await http.send(request);
  if (response.status < 200 || response.status >= 300) throw httpError(http, request, response);
  return response;
}
