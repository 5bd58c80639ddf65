import type { OperationOutcome } from '@medplum/fhirtypes';
import { EligoError } from '../errors/eligo-error';
import { outcomeText } from '../fhir/http/fhir-http';
import { parseRetryAfter, parseServerWait } from '../fhir/http/retry-policy';
import type { BulkHttp } from './bulk-http';
import { jsonBody } from './bulk-http';
import type { BulkEvent } from './events';
import { codeFor } from './kick-off';
import { manifestSchema } from './manifest';
import type { BulkManifest } from './manifest';
import { wait } from './wait';

export interface PollSettings {
  /** Before the first poll (the kick-off response rarely carries Retry-After). */
  firstPollDelayMs: number;
  /** Between polls when the server gives no Retry-After; grows by half each time up to `maxPollDelayMs`. */
  pollDelayMs: number;
  maxPollDelayMs: number;
  /** A Retry-After is honoured up to this long. */
  maxRetryAfterMs: number;
  /** Give up (and cancel) after this long. */
  maxWaitMs: number;
  /** Consecutive transient failures (5xx, unreachable) tolerated. */
  retries: number;
}

/**
 * Polls the status URL until the manifest arrives. Honours Retry-After on 202 and on 429 (a
 * 429 without one doubles the wait), retries transient failures, and stops on a fatal error
 * the server reports for the job (an OperationOutcome whose issues are not `transient`).
 */
export async function pollUntilComplete(
  http: BulkHttp,
  statusUrl: string,
  settings: PollSettings,
  signal: AbortSignal | undefined,
  onEvent: (event: BulkEvent) => void,
): Promise<BulkManifest> {
  const started = Date.now();
  let delay = settings.pollDelayMs;
  let throttledDelay = Math.max(1000, settings.pollDelayMs);
  let failures = 0;
  await wait(settings.firstPollDelayMs, signal);
  for (;;) {
    if (Date.now() - started > settings.maxWaitMs) {
      throw new EligoError('ERR_FHIR_UNAVAILABLE', `the export on ${http.shownBase} did not complete within ${Math.round(settings.maxWaitMs / 1000)} s`, { where: http.shownBase });
    }
    let response: Response;
    try {
      response = await http.send({ method: 'GET', url: statusUrl, headers: { accept: 'application/json' }, withToken: true, ...(signal ? { signal } : {}) });
    } catch (error) {
      if (!(error instanceof EligoError) || error.code !== 'ERR_FHIR_UNAVAILABLE' || ++failures > settings.retries) throw error;
      await wait(Math.min(settings.maxPollDelayMs, 1000 * 2 ** failures), signal);
      continue;
    }
    // On a 202 only Retry-After is the poll interval; a RateLimit header there describes a quota
    // that is not spent. Refusals (429, 5xx) may carry their wait in the rate-limit headers alone.
    const retryAfterMs = response.status === 202 ? parseRetryAfter(response.headers.get('retry-after'), Date.now()) : parseServerWait(response.headers, Date.now());
    const honoured = retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, settings.maxRetryAfterMs);
    let waitMs: number;
    if (response.status === 200) {
      const parsed = manifestSchema.safeParse(await jsonBody(response));
      if (!parsed.success) {
        throw new EligoError('ERR_FHIR_REQUEST_FAILED', `FHIR server ${http.shownBase} sent an export manifest that is not valid: ${parsed.error.issues[0]?.message ?? ''}`, {
          where: http.shownBase,
        });
      }
      onEvent({ type: 'poll', status: 200, waitMs: 0 });
      return parsed.data;
    } else if (response.status === 202) {
      await response.body?.cancel();
      failures = 0;
      waitMs = honoured ?? delay;
      delay = Math.min(settings.maxPollDelayMs, Math.ceil(delay * 1.5));
    } else if (response.status === 429) {
      await response.body?.cancel();
      // Too fast: wait what the server asks, or back off on our own when it does not say.
      throttledDelay = Math.min(settings.maxPollDelayMs, throttledDelay * 2);
      waitMs = honoured ?? throttledDelay;
    } else if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      // ERR_NOT_FOUND while polling always means this: the caller starts a fresh export.
      throw new EligoError('ERR_NOT_FOUND', `the export job on ${http.shownBase} is gone (${response.status}): it expired, was deleted, or the server restarted`, {
        where: http.shownBase,
      });
    } else if (response.status >= 500) {
      const body = await jsonBody(response);
      if (isFatal(body) || ++failures > settings.retries) {
        throw new EligoError(codeFor(response.status), `the export on ${http.shownBase} failed (${response.status})${outcomeText(body)}`, { where: http.shownBase });
      }
      waitMs = honoured ?? Math.min(settings.maxPollDelayMs, 1000 * 2 ** failures);
    } else {
      const body = await jsonBody(response);
      throw new EligoError(codeFor(response.status), `FHIR server ${http.shownBase} answered ${response.status} to an export status poll${outcomeText(body)}`, {
        where: http.shownBase,
      });
    }
    onEvent({
      type: 'poll',
      status: response.status,
      waitMs,
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      ...(response.headers.get('x-progress') ? { progress: (response.headers.get('x-progress') ?? '').slice(0, 100) } : {}),
    });
    await wait(waitMs, signal);
  }
}

/** A job failure rather than a passing server problem: an OperationOutcome with no `transient` issue. */
function isFatal(body: unknown): boolean {
  const outcome = body as OperationOutcome | undefined;
  if (outcome?.resourceType !== 'OperationOutcome') return false;
  return !(outcome.issue ?? []).some((issue) => issue.code === 'transient');
}
