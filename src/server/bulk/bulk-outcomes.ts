import { forbidden, OperationOutcomeError, tooManyRequests, unauthorized } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';

/** Outcomes $export raises besides the server's own; medplum's ids keep getStatus mapping them (401, 403, 429). */
function withText(base: OperationOutcome, code: string, text: string): OperationOutcomeError {
  return new OperationOutcomeError({ ...base, issue: [{ severity: 'error', code: code as 'login', details: { text } }] });
}

export function unauthorizedError(text: string): OperationOutcomeError {
  return withText(unauthorized, 'login', text);
}

export function forbiddenError(text: string): OperationOutcomeError {
  return withText(forbidden, 'forbidden', text);
}

export function tooManyRequestsError(text: string): OperationOutcomeError {
  return withText(tooManyRequests, 'throttled', text);
}

/** An OperationOutcome line for the manifest's error files. */
export function errorLine(code: 'not-found' | 'processing', text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}
