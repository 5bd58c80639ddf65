import type { Bundle } from '@medplum/fhirtypes';
import { EligoError } from '../errors/eligo-error';
import { groupResourcesByPatient, SCREENING_RESOURCE_TYPES, summariseErrors } from '../input';
import type { CompiledTrial } from '../mapping/compile';
import type { EligibilityReport } from '../report/types';
import { screenResources } from '../usecases/screen';
import type { ScreenOptions } from '../usecases/screen';

/** Screens the one patient of a posted Bundle; the same code runs in-process and in the worker thread. */
export function screenPostedBundle(trial: CompiledTrial, bundle: Bundle, options: ScreenOptions): EligibilityReport {
  const { patients, errors } = groupResourcesByPatient(bundle, { resourceTypes: SCREENING_RESOURCE_TYPES });
  if (patients.length !== 1) {
    const why = summariseErrors(errors);
    throw new EligoError('ERR_INPUT_INVALID', `the Bundle must hold exactly one patient, found ${patients.length}${why ? ` (${why})` : ''}`, { where: 'bundle' });
  }
  return screenResources(trial, patients[0] as (typeof patients)[number], options);
}
