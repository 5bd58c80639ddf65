import type { Resource } from '@medplum/fhirtypes';
import { evaluate } from '../engine/evaluate';
import { isIsoDate } from '../engine/dates';
import { EligoError } from '../errors/eligo-error';
import { getTrial, type Catalog, type CompiledTrial } from '../mapping/compile';
import type { PatientResources } from '../input/types';
import { normalise, normaliseOptionsOf } from '../record/normalise';
import type { PatientRecord } from '../record/types';
import type { EligibilityReport } from '../report/types';
import { SERVICE_VERSION } from '../version';

export interface ScreenOptions {
  /** YYYY-MM-DD; the caller supplies today's date when none is given (the engine has no clock). */
  asOf: string;
  leukapheresisDate?: string;
  /** Dates of anchors the trial declares (first dose, randomisation), by anchor id. */
  anchorDates?: Readonly<Record<string, string>>;
}

/** Check dates at the edge so the engine only ever sees valid ones. */
export function checkScreenOptions(options: ScreenOptions): ScreenOptions {
  if (!isIsoDate(options.asOf)) {
    throw new EligoError('ERR_ARGUMENT_INVALID', `as-of date "${options.asOf}" is not a calendar date in the form YYYY-MM-DD`, { where: 'asOf' });
  }
  if (options.leukapheresisDate !== undefined && !isIsoDate(options.leukapheresisDate)) {
    throw new EligoError('ERR_ARGUMENT_INVALID', `leukapheresis date "${options.leukapheresisDate}" is not a calendar date in the form YYYY-MM-DD`, {
      where: 'leukapheresisDate',
    });
  }
  for (const [id, date] of Object.entries(options.anchorDates ?? {})) {
    if (!isIsoDate(date)) throw new EligoError('ERR_ARGUMENT_INVALID', `the ${id} date "${date}" is not a calendar date in the form YYYY-MM-DD`, { where: `anchors.${id}` });
  }
  return options;
}

export function screenRecord(trial: CompiledTrial, record: PatientRecord, options: ScreenOptions): EligibilityReport {
  for (const id of Object.keys(options.anchorDates ?? {})) {
    const declared = trial.def.anchors.find((a) => a.id === id);
    // Its date is its event's in the record: a date given beside it would say two things at once.
    if (declared?.fromRecord) throw new EligoError('ERR_ARGUMENT_INVALID', `the ${id} date is read from the record (${declared.display}); it cannot be given`, { where: `anchors.${id}` });
  }
  return evaluate(trial, record, checkScreenOptions(options), { version: SERVICE_VERSION });
}

/** One patient's resources (Patient first or anywhere), with what the reader could not read, to a report. */
export function screenResources(trial: CompiledTrial, patient: Resource[] | PatientResources, options: ScreenOptions): EligibilityReport {
  const record = Array.isArray(patient) ? normalise(patient) : normalise(patient.resources, normaliseOptionsOf(patient));
  return screenRecord(trial, record, options);
}

/** screenResources for several trials: the patient is normalised once, then each trial is evaluated on the same record. */
export function screenResourcesForTrials(trials: readonly CompiledTrial[], patient: Resource[] | PatientResources, options: ScreenOptions): EligibilityReport[] {
  const record = Array.isArray(patient) ? normalise(patient) : normalise(patient.resources, normaliseOptionsOf(patient));
  return trials.map((trial) => screenRecord(trial, record, options));
}

/**
 * The trials a caller names, in the order named; "all" means every trial of the catalog in
 * catalog order. A trial named twice is screened once, so a report is never printed twice.
 */
export function trialsFor(catalog: Catalog, ids: readonly string[]): CompiledTrial[] {
  if (ids.length === 0) throw new EligoError('ERR_ARGUMENT_INVALID', 'name at least one trial (or "all")', { where: 'trial' });
  if (ids.includes('all')) {
    if (ids.length > 1) throw new EligoError('ERR_ARGUMENT_INVALID', '"all" already names every trial; give it alone', { where: 'trial' });
    const all = [...catalog.trials.values()];
    if (all.length === 0) throw new EligoError('ERR_TRIAL_NOT_FOUND', 'the mappings define no trial', { where: 'trial' });
    return all;
  }
  return [...new Set(ids)].map((id) => getTrial(catalog, id));
}

export function trialFor(catalog: Catalog, trialId: string): CompiledTrial {
  return getTrial(catalog, trialId);
}

/** Today's date in UTC, for callers at the edge (CLI, HTTP, jobs); never used inside the engine. */
export function today(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}
