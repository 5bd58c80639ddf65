import { rm } from 'node:fs/promises';
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { Filter } from '@medplum/core';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { matchesFilters } from '../search/match';
import type { ResourceStore } from '../store/resource-store';
import { collectReferenceKeys } from '../store/references';
import { patientCompartment, SUPPORTING_TYPES } from './compartment';
import type { ExportParameters } from './export-parameters';
import { referenceFilter } from './export-parameters';
import type { ExportScope } from './export-scope';
import { scopePatients } from './export-scope';
import { NdjsonFiles } from './ndjson-files';
import type { ExportFile } from './ndjson-files';
import { versionAt } from './point-in-time';

export type JobStatus = 'in-progress' | 'completed' | 'failed';

/** One $export request and what came of it. Files live in `dir` until the job is deleted or expires. */
export interface ExportJob {
  readonly id: string;
  /** The client the access token named (client_id or sub); only it may poll, download or delete. */
  readonly owner: string | undefined;
  readonly requestUrl: string;
  readonly transactionTime: string;
  readonly dir: string;
  readonly controller: AbortController;
  status: JobStatus;
  patientsDone: number;
  patientsTotal: number | undefined;
  output: ExportFile[];
  errors: ExportFile[];
  failure?: OperationOutcome;
  lastPollMs?: number;
  finishedMs?: number;
}

export interface JobSettings {
  maxResourcesPerFile: number;
  /** Pause after each patient (keeps a shared server responsive; lets a test watch a job run). */
  pauseMsPerPatient: number;
}

const PATIENTS_PER_SLICE = 20;

/**
 * Writes one export: for each patient in scope, the compartment resources of each requested type
 * as they stood at the transactionTime (each resource once, even when it sits in two patients'
 * compartments), filtered by `_since` and `_typeFilter`; then the Medications those resources
 * reference, when Medication was asked for. Yields to the event loop between slices of patients
 * so polls, other requests and a DELETE are answered while it runs.
 */
export async function runExportJob(store: ResourceStore, job: ExportJob, scope: ExportScope, parameters: ExportParameters, settings: JobSettings): Promise<void> {
  const signal = job.controller.signal;
  const atMs = Date.parse(job.transactionTime);
  await untilClockPasses(atMs);
  const files = new NdjsonFiles(job.dir, settings.maxResourcesPerFile);
  const errorFiles = new NdjsonFiles(job.dir, settings.maxResourcesPerFile);
  try {
    const { ids, problems } = scopePatients(store, scope, atMs, parameters.patients);
    job.patientsTotal = ids.length;
    const compartmentTypes = parameters.types.filter((t) => !SUPPORTING_TYPES.has(t));
    const wantsMedication = parameters.types.includes('Medication');
    const written = new Set<string>();
    const medicationKeys = new Set<string>();
    for (let i = 0; i < ids.length; i++) {
      if (signal.aborted) return;
      const patient = ids[i] as string;
      for (const type of compartmentTypes) {
        for (const { resource, lastUpdatedMs } of compartmentResources(store, type, patient, atMs)) {
          const key = `${type}/${resource.id ?? ''}`;
          if (written.has(key)) continue;
          if (parameters.sinceMs !== undefined && lastUpdatedMs <= parameters.sinceMs) continue;
          if (!passesTypeFilter(resource, parameters.typeFilters.get(type))) continue;
          written.add(key);
          await files.write(type, resource);
          if (wantsMedication) for (const ref of collectReferenceKeys(resource)) if (ref.startsWith('Medication/')) medicationKeys.add(ref);
        }
      }
      job.patientsDone = i + 1;
      if (settings.pauseMsPerPatient > 0) await sleep(settings.pauseMsPerPatient);
      else if ((i + 1) % PATIENTS_PER_SLICE === 0) await yieldToEventLoop();
    }
    if (wantsMedication) await writeMedications(store, files, medicationKeys, atMs, parameters.typeFilters.get('Medication'));
    for (const problem of problems) await errorFiles.write('OperationOutcome', problem);
    job.output = await files.close();
    job.errors = await errorFiles.close();
    if (!signal.aborted) job.status = 'completed';
  } catch (error) {
    files.destroy();
    errorFiles.destroy();
    throw error;
  } finally {
    job.finishedMs = Date.now();
    if (signal.aborted) {
      files.destroy();
      errorFiles.destroy();
      await rm(job.dir, { recursive: true, force: true });
    }
  }
}

/**
 * The transactionTime is the kick-off's millisecond. Starting only once the clock has moved
 * past it means every version stamped at or before it is already written, so "lastUpdated <=
 * transactionTime" is this export and "> transactionTime" (the next `_since`) is the next one:
 * nothing falls between two incremental exports.
 */
async function untilClockPasses(atMs: number): Promise<void> {
  while (Date.now() <= atMs) await sleep(1);
}

function* compartmentResources(store: ResourceStore, type: string, patient: string, atMs: number): Iterable<{ resource: Resource; lastUpdatedMs: number }> {
  if (type === 'Patient') {
    // Only the patient: the compartment's `link` would add other patients linked to them, who are not in scope.
    const self = versionAt(store, 'Patient', patient, atMs);
    if (self) yield self;
    return;
  }
  const params = patientCompartment().get(type) ?? [];
  const key = `Patient/${patient}`;
  for (const id of store.idsReferencing(type, key)) {
    const version = versionAt(store, type, id, atMs);
    if (version && params.some((code) => matchesFilters(version.resource, [referenceFilter(code, patient)]))) yield version;
  }
}

function passesTypeFilter(resource: Resource, alternatives: readonly (readonly Filter[])[] | undefined): boolean {
  return alternatives === undefined || alternatives.some((filters) => matchesFilters(resource, filters));
}

/** Referenced Medications, and the Medications their ingredients name; supporting data, so `_since` does not apply. */
async function writeMedications(
  store: ResourceStore,
  files: NdjsonFiles,
  keys: Set<string>,
  atMs: number,
  typeFilter: readonly (readonly Filter[])[] | undefined,
): Promise<void> {
  const done = new Set<string>();
  const pending = [...keys];
  while (pending.length > 0) {
    const key = pending.pop() as string;
    if (done.has(key)) continue;
    done.add(key);
    const medication = versionAt(store, 'Medication', key.slice('Medication/'.length), atMs)?.resource;
    if (!medication || !passesTypeFilter(medication, typeFilter)) continue;
    await files.write('Medication', medication);
    for (const ref of collectReferenceKeys(medication)) if (ref.startsWith('Medication/')) pending.push(ref);
  }
}
