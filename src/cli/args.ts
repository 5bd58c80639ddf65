import { EligoError } from '../errors/eligo-error';

/** node:util parseArgs' errors (unknown option, missing value) as usage errors: exit 2, the message as given. */
export function parsedArgs<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new EligoError('ERR_ARGUMENT_INVALID', error instanceof Error ? error.message : String(error));
  }
}
