import { badRequest, forbidden, gone, isOperationOutcome, notFound, OperationOutcomeError, preconditionFailed, tooManyRequests, unauthorized } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';

/**
 * OperationOutcomes the embedded server raises. @medplum/core maps an outcome to its HTTP status
 * by the outcome's `id` (getStatus), so these keep medplum's ids and only replace the text.
 */
function withText(base: OperationOutcome, text: string): OperationOutcome {
  const first = base.issue?.[0];
  return { ...base, issue: [{ severity: 'error', code: first?.code ?? 'processing', details: { text } }] };
}

export function notFoundError(text: string): OperationOutcomeError {
  return new OperationOutcomeError(withText(notFound, text));
}

export function goneError(text: string): OperationOutcomeError {
  return new OperationOutcomeError(withText(gone, text));
}

export function preconditionFailedError(text: string): OperationOutcomeError {
  return new OperationOutcomeError(withText(preconditionFailed, text));
}

export function unauthorizedError(text: string): OperationOutcomeError {
  return new OperationOutcomeError(withText(unauthorized, text));
}

export function forbiddenError(text: string): OperationOutcomeError {
  return new OperationOutcomeError(withText(forbidden, text));
}

export function tooManyRequestsError(text: string): OperationOutcomeError {
  return new OperationOutcomeError(withText(tooManyRequests, text));
}

export function badRequestError(text: string, expression?: string): OperationOutcomeError {
  return new OperationOutcomeError(badRequest(text, expression));
}

/** A feature the embedded server deliberately lacks: 400 with code not-supported, never a silent wrong answer. */
export function notSupportedError(text: string, expression?: string): OperationOutcomeError {
  return new OperationOutcomeError({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'not-supported', details: { text }, ...(expression === undefined ? {} : { expression: [expression] }) }],
  });
}

/** Any thrown value as an OperationOutcome; unexpected errors become 500 (code exception) without their stack. */
export function toOperationOutcome(error: unknown): OperationOutcome {
  if (error instanceof OperationOutcomeError) return error.outcome;
  if (isOperationOutcome(error)) return error;
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: 'exception',
        details: { text: 'Internal server error' },
        diagnostics: error instanceof Error ? error.message : String(error),
      },
    ],
  };
}

/** A request the server refuses by size (413); getStatus has no id for it. */
export function tooLargeOutcome(): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'too-long', details: { text: 'request body too large' } }],
  };
}
