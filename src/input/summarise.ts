import { listCapped, MAX_LISTED_PROBLEMS } from '../errors/limits';
import type { InputFileError } from './types';

/** "file location: message", or without the file when every error names the same one (a posted Bundle). */
export function formatInputError(error: InputFileError, options: { file?: boolean } = {}): string {
  const where = [options.file === false ? undefined : error.file, error.location].filter((part) => part !== undefined && part !== '').join(' ');
  return where ? `${where}: ${error.message}` : error.message;
}

/**
 * The input errors as one line for an error message: the first `max` ("entry[3]: entry is not
 * an object"), each clipped, then "… and K more". Files are not named: the caller's message
 * says which input it was.
 */
export function summariseErrors(errors: readonly InputFileError[], max: number = MAX_LISTED_PROBLEMS): string {
  return listCapped(errors, (e) => formatInputError(e, { file: false }), max).join('; ');
}

/** The input errors as lines to print, one per error, capped as summariseErrors is. */
export function inputErrorLines(errors: readonly InputFileError[], max: number = MAX_LISTED_PROBLEMS): string[] {
  return listCapped(errors, (e) => formatInputError(e), max);
}
