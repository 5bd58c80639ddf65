/**
 * One base error with a stable code, so callers (CLI exit codes, the HTTP edge's
 * OperationOutcome, tests) branch on `code`, never on message text.
 */
export type EligoErrorCode =
  | 'ERR_MAPPING_INVALID'
  | 'ERR_MAPPING_NOT_FOUND'
  | 'ERR_TRIAL_NOT_FOUND'
  | 'ERR_INPUT_UNREADABLE'
  | 'ERR_INPUT_INVALID'
  | 'ERR_INPUT_TOO_LARGE'
  | 'ERR_MEDIA_UNSUPPORTED'
  | 'ERR_ARGUMENT_INVALID'
  | 'ERR_CONFIG_INVALID'
  | 'ERR_PATIENT_NOT_FOUND'
  | 'ERR_FHIR_UNAVAILABLE'
  | 'ERR_FHIR_REQUEST_FAILED'
  | 'ERR_WRITE_CONFLICT'
  | 'ERR_WRITE_INCOMPLETE'
  | 'ERR_UNAUTHORIZED'
  | 'ERR_FORBIDDEN'
  | 'ERR_NOT_FOUND'
  | 'ERR_CANCELLED'
  | 'ERR_TOO_MANY_REQUESTS'
  | 'ERR_BUSY'
  | 'ERR_QUEUE_UNAVAILABLE'
  | 'ERR_INTERNAL';

export class EligoError extends Error {
  readonly code: EligoErrorCode;
  /** Machine-readable location of the problem (a file, a path inside it, a URL). */
  readonly where?: string;
  /** When to try again (ERR_BUSY, ERR_TOO_MANY_REQUESTS): the HTTP edge sends it as Retry-After. */
  readonly retryAfterSeconds?: number;

  constructor(code: EligoErrorCode, message: string, options?: { where?: string; cause?: unknown; retryAfterSeconds?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EligoError';
    this.code = code;
    if (options?.where !== undefined) this.where = options.where;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export function isEligoError(value: unknown, code?: EligoErrorCode): value is EligoError {
  return value instanceof EligoError && (code === undefined || value.code === code);
}
