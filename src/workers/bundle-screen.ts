import type { Bundle } from '@medplum/fhirtypes';
import { EligoError } from '../errors/eligo-error';
import { groupResourcesByPatient, screeningTypesFor, summariseErrors } from '../input';
import type { PatientResources } from '../input/types';
import type { CompiledTrial } from '../mapping/compile';
import type { EligibilityReport } from '../report/types';
import { screenResources, screenResourcesForTrials } from '../usecases/screen';
import type { ScreenOptions } from '../usecases/screen';

/** Screens the one patient of a posted Bundle; the same code runs in-process and in the worker thread. */
export function screenPostedBundle(trial: CompiledTrial, bundle: Bundle, options: ScreenOptions): EligibilityReport {
  return screenResources(trial, onePatientOf(bundle, [trial]), options);
}

/** screenPostedBundle for several trials: the Bundle is grouped and normalised once. */
export function screenPostedBundleForTrials(trials: readonly CompiledTrial[], bundle: Bundle, options: ScreenOptions): EligibilityReport[] {
  return screenResourcesForTrials(trials, onePatientOf(bundle, trials), options);
}

function onePatientOf(bundle: Bundle, trials: readonly CompiledTrial[]): PatientResources {
  const { patients, errors } = groupResourcesByPatient(bundle, { resourceTypes: screeningTypesFor(trials) });
  if (patients.length !== 1) {
    const why = summariseErrors(errors);
    throw new EligoError('ERR_INPUT_INVALID', `the Bundle must hold exactly one patient, found ${patients.length}${why ? ` (${why})` : ''}`, { where: 'bundle' });
  }
  return patients[0] as PatientResources;
}
