import type { ErrorRequestHandler, Response } from 'express';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { ZodError } from 'zod';
import { EligoError, type EligoErrorCode } from '../errors/eligo-error';
import { capped, clip, MAX_ERROR_TEXT_CHARS, MAX_PROBLEM_CHARS, moreLine } from '../errors/limits';

const HTTP_STATUS: Record<EligoErrorCode, number> = {
  ERR_ARGUMENT_INVALID: 400,
  ERR_INPUT_INVALID: 400,
  ERR_INPUT_UNREADABLE: 400,
  ERR_INPUT_TOO_LARGE: 413,
  ERR_MEDIA_UNSUPPORTED: 415,
  ERR_MAPPING_INVALID: 500,
  ERR_MAPPING_NOT_FOUND: 500,
  ERR_CONFIG_INVALID: 500,
  ERR_TRIAL_NOT_FOUND: 404,
  ERR_PATIENT_NOT_FOUND: 404,
  ERR_NOT_FOUND: 404,
  ERR_UNAUTHORIZED: 401,
  ERR_FORBIDDEN: 403,
  ERR_WRITE_CONFLICT: 409,
  ERR_WRITE_INCOMPLETE: 502,
  ERR_FHIR_UNAVAILABLE: 502,
  ERR_FHIR_REQUEST_FAILED: 502,
  ERR_CANCELLED: 409,
  ERR_TOO_MANY_REQUESTS: 429,
  ERR_BUSY: 503,
  ERR_QUEUE_UNAVAILABLE: 503,
  ERR_INTERNAL: 500,
};

const ISSUE_CODE: Record<number, NonNullable<OperationOutcome['issue'][number]['code']>> = {
  400: 'invalid',
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'too-costly',
  415: 'not-supported',
  429: 'throttled',
  503: 'transient',
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

type Issue = OperationOutcome['issue'][number];

/**
 * The one place errors become OperationOutcome. Unknown errors are 500 with a generic
 * message: internals (and anything patient-identifying inside them) stay in the log. Every
 * text is bounded (errors/limits.ts): a message or path may quote input of any size.
 */
export function errorToOutcome(error: unknown): { status: number; outcome: OperationOutcome } {
  if (error instanceof EligoError) {
    const status = HTTP_STATUS[error.code];
    const where = error.where === undefined ? undefined : clip(error.where);
    return { status, outcome: operationOutcome('error', ISSUE_CODE[status] ?? 'exception', clip(`${error.code}: ${error.message}`, MAX_ERROR_TEXT_CHARS), where) };
  }
  if (error instanceof ZodError) return { status: 400, outcome: zodOutcome(error) };
  if (error instanceof SyntaxError && 'body' in error) {
    return { status: 400, outcome: operationOutcome('error', 'invalid', 'ERR_INPUT_INVALID: request body is not valid JSON') };
  }
  return bodyReadOutcome(error) ?? { status: 500, outcome: operationOutcome('error', 'exception', 'ERR_INTERNAL: internal error') };
}

/** One issue per zod issue, up to the cap, then one issue counting the rest. */
function zodOutcome(error: ZodError): OperationOutcome {
  const { shown, more } = capped(error.issues);
  const issue: Issue[] = shown.map((zodIssue) => {
    const path = clip(zodIssue.path.map(String).join('.'));
    // zod's own message lists every unknown key: a body of a million keys made a 72 MB answer.
    const message = zodIssue.code === 'unrecognized_keys' ? unknownKeysMessage(zodIssue.keys) : clip(zodIssue.message);
    return {
      severity: 'error',
      code: 'invalid',
      diagnostics: `ERR_ARGUMENT_INVALID: ${path ? `${clip(path, 100)}: ` : ''}${message}`,
      ...(path ? { expression: [path] } : {}),
    };
  });
  if (issue.length === 0) issue.push({ severity: 'error', code: 'invalid', diagnostics: 'ERR_ARGUMENT_INVALID: invalid request' });
  if (more > 0) issue.push({ severity: 'error', code: 'invalid', diagnostics: `ERR_ARGUMENT_INVALID: ${moreLine(more)} problems` });
  return { resourceType: 'OperationOutcome', issue };
}

function unknownKeysMessage(keys: readonly string[]): string {
  const { shown, more } = capped(keys);
  // Clipped before the count is added, so long keys cannot cut the count off.
  const listed = clip(shown.map((key) => JSON.stringify(clip(key, 64))).join(', '), MAX_PROBLEM_CHARS - 50);
  return `unrecognized key${keys.length === 1 ? '' : 's'}: ${listed}${more > 0 ? ` ${moreLine(more)}` : ''}`;
}

interface BodyReadError {
  status: number;
  type?: unknown;
  code?: unknown;
  charset?: unknown;
  encoding?: unknown;
  limit?: unknown;
}

/** A header value named in an answer: short, and quoted so control characters show as escapes. */
function named(value: unknown): string {
  return typeof value === 'string' ? ` ${JSON.stringify(clip(value, 64))}` : '';
}

/**
 * Errors of express.json() (body-parser, raw-body: http-errors with a `type`) as the client
 * mistakes they are. They name the header or limit at fault and never the body: it may hold
 * patient data.
 */
function bodyReadOutcome(error: unknown): { status: number; outcome: OperationOutcome } | undefined {
  if (typeof error !== 'object' || error === null || typeof (error as { status?: unknown }).status !== 'number') return undefined;
  const e = error as BodyReadError;
  const answer = (status: number, code: Issue['code'], text: string) => ({ status, outcome: operationOutcome('error', code, text) });
  switch (e.type) {
    case 'charset.unsupported':
      return answer(415, 'not-supported', `ERR_MEDIA_UNSUPPORTED: request body charset${named(e.charset)} is not supported; send JSON in UTF-8`);
    case 'encoding.unsupported':
      return answer(415, 'not-supported', `ERR_MEDIA_UNSUPPORTED: Content-Encoding${named(e.encoding)} is not supported; send the body as identity, gzip, deflate or br`);
    case 'entity.too.large':
    case 'parameters.too.many': {
      const limit = typeof e.limit === 'number' ? ` (limit ${e.limit} bytes)` : '';
      return answer(413, 'too-costly', `ERR_INPUT_TOO_LARGE: request body too large${limit}`);
    }
    case 'entity.parse.failed':
      return answer(400, 'invalid', 'ERR_INPUT_INVALID: request body is not valid JSON');
    case 'request.aborted':
      return answer(400, 'incomplete', 'ERR_INPUT_INVALID: request aborted before its body was complete');
    case 'request.size.invalid':
      return answer(400, 'invalid', 'ERR_INPUT_INVALID: request body size did not match its Content-Length');
    default:
      break;
  }
  // A body that does not inflate reaches us as the zlib error itself, given status 400.
  if (e.status === 400 && typeof e.code === 'string' && /^(Z_|ERR_BROTLI|ERR_ZSTD|ERR__)/.test(e.code)) {
    return answer(400, 'invalid', 'ERR_INPUT_INVALID: request body could not be decompressed as its Content-Encoding says');
  }
  if (e.status === 413) return answer(413, 'too-costly', 'ERR_INPUT_TOO_LARGE: request body too large');
  return undefined;
}

export function errorHandler(log: (message: string, error: unknown) => void): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const { status, outcome } = errorToOutcome(error);
    if (error instanceof EligoError && error.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(error.retryAfterSeconds));
    // Saturation is not a failure of the service: refused work is not logged as one.
    if (status >= 500 && status !== 503) log('request failed', error);
    sendOutcome(res, status, outcome);
  };
}
