import type { ErrorRequestHandler, Response } from 'express';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { ZodError } from 'zod';
import { EligoError, type EligoErrorCode } from '../errors/eligo-error';

const HTTP_STATUS: Record<EligoErrorCode, number> = {
  ERR_ARGUMENT_INVALID: 400,
  ERR_INPUT_INVALID: 400,
  ERR_INPUT_UNREADABLE: 400,
  ERR_MAPPING_INVALID: 500,
  ERR_MAPPING_NOT_FOUND: 500,
  ERR_CONFIG_INVALID: 500,
  ERR_TRIAL_NOT_FOUND: 404,
  ERR_PATIENT_NOT_FOUND: 404,
  ERR_NOT_FOUND: 404,
  ERR_UNAUTHORIZED: 401,
  ERR_FORBIDDEN: 403,
  ERR_WRITE_CONFLICT: 409,
  ERR_FHIR_UNAVAILABLE: 502,
  ERR_FHIR_REQUEST_FAILED: 502,
  ERR_CANCELLED: 409,
  ERR_INTERNAL: 500,
};

const ISSUE_CODE: Record<number, NonNullable<OperationOutcome['issue'][number]['code']>> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  502: 'transient',
  500: 'exception',
};

export function operationOutcome(severity: 'error' | 'warning', code: OperationOutcome['issue'][number]['code'], diagnostics: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity, code, diagnostics, ...(expression ? { expression: [expression] } : {}) }],
  };
}

export function sendOutcome(res: Response, status: number, outcome: OperationOutcome): void {
  res.status(status).type('application/fhir+json').send(JSON.stringify(outcome));
}

/**
 * The one place errors become OperationOutcome. Unknown errors are 500 with a generic
 * message: internals (and anything patient-identifying inside them) stay in the log.
 */
export function errorToOutcome(error: unknown): { status: number; outcome: OperationOutcome } {
  if (error instanceof EligoError) {
    const status = HTTP_STATUS[error.code];
    return { status, outcome: operationOutcome('error', ISSUE_CODE[status] ?? 'exception', `${error.code}: ${error.message}`, error.where) };
  }
  if (error instanceof ZodError) {
    const first = error.issues[0];
    const path = first?.path.map(String).join('.') ?? '';
    return { status: 400, outcome: operationOutcome('error', 'invalid', `ERR_ARGUMENT_INVALID: ${path ? `${path}: ` : ''}${first?.message ?? 'invalid request'}`, path || undefined) };
  }
  if (error instanceof SyntaxError && 'body' in error) {
    return { status: 400, outcome: operationOutcome('error', 'invalid', 'ERR_INPUT_INVALID: request body is not valid JSON') };
  }
  const status = typeof (error as { status?: unknown })?.status === 'number' ? ((error as { status: number }).status) : 500;
  if (status === 413) return { status, outcome: operationOutcome('error', 'too-costly', 'ERR_INPUT_INVALID: request body too large') };
  return { status: 500, outcome: operationOutcome('error', 'exception', 'ERR_INTERNAL: internal error') };
}

export function errorHandler(log: (message: string, error: unknown) => void): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, outcome } = errorToOutcome(error);
    if (status >= 500) log('request failed', error);
    sendOutcome(res, status, outcome);
  };
}
