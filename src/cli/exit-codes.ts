import type { EligoErrorCode } from '../errors/eligo-error';

/** Exit codes are part of the CLI contract (README): scripts branch on them. */
export const EXIT_OK = 0;
/** A run that could not finish: server unavailable, write conflict, internal error. */
export const EXIT_FAILED = 1;
/** Bad arguments, invalid mappings, or input that cannot be read. */
export const EXIT_USAGE = 2;

export function exitCodeFor(code: EligoErrorCode): number {
  switch (code) {
    case 'ERR_ARGUMENT_INVALID':
    case 'ERR_INPUT_UNREADABLE':
    case 'ERR_INPUT_INVALID':
    case 'ERR_INPUT_TOO_LARGE':
    case 'ERR_MEDIA_UNSUPPORTED':
    case 'ERR_MAPPING_INVALID':
    case 'ERR_MAPPING_NOT_FOUND':
    case 'ERR_TRIAL_NOT_FOUND':
    case 'ERR_CONFIG_INVALID':
    case 'ERR_PATIENT_NOT_FOUND':
      return EXIT_USAGE;
    case 'ERR_FHIR_UNAVAILABLE':
    case 'ERR_FHIR_REQUEST_FAILED':
    case 'ERR_WRITE_CONFLICT':
    case 'ERR_WRITE_INCOMPLETE':
    case 'ERR_UNAUTHORIZED':
    case 'ERR_FORBIDDEN':
    case 'ERR_NOT_FOUND':
    case 'ERR_CANCELLED':
    case 'ERR_TOO_MANY_REQUESTS':
    case 'ERR_BUSY':
    case 'ERR_QUEUE_UNAVAILABLE':
    case 'ERR_INTERNAL':
      return EXIT_FAILED;
  }
}
