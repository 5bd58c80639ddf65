import { existsSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { EligoError, isEligoError } from '../../errors/eligo-error';
import type { Logger } from '../../log';
import type { CompiledTrial } from '../../mapping/compile';
import type { ReportStore } from '../../report/store';
import type { PatientSource, ReportWriter } from '../../usecases/ports';
import { checkScreenOptions } from '../../usecases/screen';
import { SERVICE_VERSION } from '../../version';
import { cohortDefinitionSchema, type CohortDefinition } from '../definition';
import { JournalWriter } from '../journal/journal-file';
import type { PatientRecord } from '../journal/records';
import { acquireLock, readStoredRun, runPaths, writeFileAtomic, type RunPaths, type StoredRun } from '../journal/run-dir';
import { readRunState, type RunState } from '../journal/run-state';
import { buildMeasureReport } from '../render/measure-report';
import type { MeasureReport } from '@medplum/fhirtypes';
import { buildSummary, readStoredSummary } from '../summary/build';
import type { CohortSummary, RunStatus } from '../summary/types';
import type { CandidateSource } from '../types';
import { forEachLimit } from './pool';
import { openCandidates } from './open-candidates';
import { screenCandidate, type CandidateScreener } from './screen-candidate';
import type { CohortCounts } from './tally';
import { ThrottlePacer, type ThrottleEvent } from './throttle-pacer';
import { UnavailableGuard } from './unavailable-guard';

/** Puts the summary MeasureReport where it belongs (the FHIR server); returns its reference. */
export interface MeasureReportWriter {
  write(report: MeasureReport): Promise<string>;
}

export interface CohortRunDeps {
  /** Runs live under `<dataDir>/cohort-runs/<runId>/`. */
  dataDir: string;
  trial: CompiledTrial;
  source: CandidateSource;
  /** Where candidates given by id are fetched from. */
  patients?: PatientSource;
  writer?: ReportWriter;
  reports?: ReportStore;
  measureReports?: MeasureReportWriter;
  /** Screens each candidate somewhere else (worker processes); default: here, through screenCandidate. */
  screen?: CandidateScreener;
  now?: () => Date;
  log?: Logger;
}

export interface CohortRunOptions {
  runId: string;
  definition: CohortDefinition;
  /** Patients screened at once. Default 4. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called after every journaled patient and at each change of status. */
  onProgress?: (progress: CohortProgress) => void;
  /** ERR_FHIR_UNAVAILABLE failures in a row that stop the run (resumable) instead of failing every patient. Default 10. */
  maxConsecutiveUnavailable?: number;
  /** Times one patient refused for rate (429) is waited for and screened again before the failure counts (screening in this process). Default 10. */
  maxThrottledWaits?: number;
  /** Told each time the run holds off because the server throttled it. */
  onThrottle?: (event: ThrottleEvent) => void;
}

export interface CohortProgress extends CohortCounts {
  runId: string;
  trial: string;
  status: RunStatus;
  /** Candidates in the run, when known. */
  total?: number;
  warnings: string[];
  /** Why the run failed (status failed). */
  error?: { code: string; message: string };
  startedAt?: string;
  finishedAt?: string;
}

export interface CohortRunResult {
  progress: CohortProgress;
  /** Present when the run completed. */
  summary?: CohortSummary;
  dir: string;
}

/**
 * Screens a cohort: candidates from the source, each through screenPatient, `concurrency` at a
 * time, every one journaled (screened with its outcome, or failed with the reason) before it
 * counts. Re-running with the same run id resumes: journaled patients are skipped, the rest
 * screened; a completed run returns its summary without screening anything.
 *
 * Throws EligoError for a run that cannot start (bad definition, run id taken by another
 * definition, run held by another process). A run that starts and then fails (candidate
 * search refused, server down) ends with status `failed` and the error in the result.
 */
export async function runCohort(options: CohortRunOptions, deps: CohortRunDeps): Promise<CohortRunResult> {
  const now = deps.now ?? ((): Date => new Date());
  const definition = checkedDefinition(options.definition, deps);
  const paths = runPaths(deps.dataDir, options.runId);
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  const stored = storeOrMatch(paths, options.runId, definition, deps, now());
  const release = acquireLock(paths);
  const journal = JournalWriter.open(paths.journal);
  try {
    const state = await readRunState(paths.journal, deps.trial.criteria);
    const progress = initialProgress(options.runId, deps.trial.id, state);
    const report = (): void => options.onProgress?.({ ...progress, ...state.tally.counts(), warnings: [...progress.warnings] });
    if (state.end?.status === 'completed' && existsSync(paths.summary)) {
      Object.assign(progress, { status: 'completed', finishedAt: state.end.at });
      report();
      return { progress: { ...progress, ...state.tally.counts() }, summary: readStoredSummary(paths), dir: paths.dir };
    }
    journal.append({ type: 'attempt', attempt: state.attempts + 1, pid: process.pid, at: now().toISOString() });
    progress.startedAt ??= now().toISOString();
    const outcome = await screenAll({ options, deps, definition, paths, state, journal, progress, report, now });
    Object.assign(progress, outcome, { finishedAt: now().toISOString() });
    if (outcome.status !== 'completed') {
      journal.append({
        type: 'end',
        status: outcome.status,
        ...(outcome.error ? { code: outcome.error.code, reason: outcome.error.message } : {}),
        at: progress.finishedAt ?? now().toISOString(),
      });
      report();
      return { progress: { ...progress, ...state.tally.counts() }, dir: paths.dir };
    }
    const completed = await complete({ deps, paths, stored, journal, now });
    if ('error' in completed) {
      Object.assign(progress, { status: 'failed', error: completed.error });
      report();
      return { progress: { ...progress, ...state.tally.counts() }, dir: paths.dir };
    }
    report();
    return { progress: { ...progress, ...state.tally.counts() }, summary: completed.summary, dir: paths.dir };
  } finally {
    journal.close();
    release();
  }
}

function checkedDefinition(input: CohortDefinition, deps: CohortRunDeps): CohortDefinition {
  const definition = cohortDefinitionSchema.parse(input);
  checkScreenOptions({ asOf: definition.asOf, ...(definition.leukapheresisDate ? { leukapheresisDate: definition.leukapheresisDate } : {}) });
  if (definition.trial !== deps.trial.id) {
    throw new EligoError('ERR_ARGUMENT_INVALID', `the run is for trial ${definition.trial} but trial ${deps.trial.id} was given`, { where: 'trial' });
  }
  if (definition.writeBack && !deps.writer) {
    throw new EligoError('ERR_ARGUMENT_INVALID', 'write-back was asked for but no FHIR server is configured to write to', { where: 'writeBack' });
  }
  if (definition.writeMeasureReport && !deps.measureReports) {
    throw new EligoError('ERR_ARGUMENT_INVALID', 'writing the MeasureReport was asked for but no FHIR server is configured to write to', { where: 'writeMeasureReport' });
  }
  return definition;
}

const digests = new WeakMap<CompiledTrial, string>();

/** The trial's criteria as text, hashed once per compiled trial (compiled trials are never changed). */
export function trialDigest(trial: CompiledTrial): string {
  let digest = digests.get(trial);
  if (digest === undefined) {
    digest = createHash('sha256').update(JSON.stringify(trial.def)).digest('hex');
    digests.set(trial, digest);
  }
  return digest;
}

/** A new run is recorded; an existing one must be the same run (same definition, same trial text). */
function storeOrMatch(paths: RunPaths, runId: string, definition: CohortDefinition, deps: CohortRunDeps, now: Date): StoredRun {
  const digest = trialDigest(deps.trial);
  const existing = readStoredRun(paths);
  if (existing) {
    if (!isDeepStrictEqual(existing.definition, definition)) {
      throw new EligoError('ERR_ARGUMENT_INVALID', `cohort run ${runId} exists with another definition; resume it with the same options or choose another run id`, {
        where: 'runId',
      });
    }
    if (existing.trialDigest !== digest) {
      // Half the cohort screened under one version of the criteria and half under another would be one wrong summary.
      throw new EligoError('ERR_ARGUMENT_INVALID', `trial ${deps.trial.id} changed since cohort run ${runId} started; start a new run`, { where: 'runId' });
    }
    return existing;
  }
  const stored: StoredRun = {
    id: runId,
    definition,
    candidates: deps.source.description,
    trialVersion: deps.trial.def.version,
    trialDigest: digest,
    createdAt: now.toISOString(),
    serviceVersion: SERVICE_VERSION,
  };
  writeFileAtomic(paths.run, `${JSON.stringify(stored, null, 2)}\n`);
  return stored;
}

function initialProgress(runId: string, trial: string, state: RunState): CohortProgress {
  return {
    runId,
    trial,
    status: 'selecting',
    ...state.tally.counts(),
    ...(state.selected?.total === undefined ? {} : { total: state.selected.total }),
    warnings: state.selected?.warnings ?? [],
    ...(state.startedAt ? { startedAt: state.startedAt } : {}),
  };
}

interface ScreenAllInput {
  options: CohortRunOptions;
  deps: CohortRunDeps;
  definition: CohortDefinition;
  paths: RunPaths;
  state: RunState;
  journal: JournalWriter;
  progress: CohortProgress;
  report: () => void;
  now: () => Date;
}

type ScreenAllOutcome = { status: 'completed' | 'cancelled' | 'failed'; error?: { code: string; message: string } };

async function screenAll(input: ScreenAllInput): Promise<ScreenAllOutcome> {
  const { options, deps, definition, state, journal, progress, report, now } = input;
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const guard = new UnavailableGuard(options.maxConsecutiveUnavailable ?? 10);
  // Worker processes store one result per patient and retry throttled jobs themselves (BullMQ
  // attempts): asking them again would only read the same stored failure back.
  const pacer = new ThrottlePacer(deps.screen ? 0 : (options.maxThrottledWaits ?? 10), options.onThrottle);
  const record = (records: PatientRecord[]): void => {
    for (const r of records) {
      journal.append(r);
      state.tally.add(r);
    }
  };
  try {
    progress.status = 'selecting';
    report();
    const opened = await openCandidates({ source: deps.source, paths: input.paths, state, journal, signal, now });
    Object.assign(progress, { status: 'running', warnings: opened.warnings, ...(opened.total === undefined ? {} : { total: opened.total }) });
    report();
    const screenDeps = { trial: deps.trial, now, ...pick(deps) };
    const screen: CandidateScreener = deps.screen ?? ((candidate) => screenCandidate(screenDeps, definition, candidate));
    await forEachLimit(opened.candidates, options.concurrency ?? 4, signal, async (candidate) => {
      if (state.done.has(candidate.patientId)) return;
      state.done.add(candidate.patientId);
      const result = await pacer.screen(candidate.patientId, signal, () => screen(candidate, signal));
      // Stopped while waiting out a throttle: left unjournaled, so a resumed run screens it.
      if (!result) return;
      if (result.type === 'failed') deps.log?.debug({ code: result.code, runId: options.runId }, 'cohort candidate failed');
      record(guard.accept(result));
      if (guard.tripped) stop.abort();
      report();
    });
  } catch (error) {
    guard.drop();
    const code = isEligoError(error) ? error.code : 'ERR_INTERNAL';
    const message = error instanceof Error ? error.message : String(error);
    if (code === 'ERR_CANCELLED' && options.signal?.aborted) return { status: 'cancelled' };
    deps.log?.error({ code, runId: options.runId }, 'cohort run failed');
    return { status: 'failed', error: { code, message } };
  }
  if (guard.tripped) {
    const limit = options.maxConsecutiveUnavailable ?? 10;
    return {
      status: 'failed',
      error: { code: 'ERR_FHIR_UNAVAILABLE', message: `the FHIR server failed ${limit} patients in a row; the run stopped and resumes where it left off when started again with the same run id` },
    };
  }
  if (options.signal?.aborted) {
    guard.drop();
    return { status: 'cancelled' };
  }
  record(guard.flush());
  return { status: 'completed' };
}

function pick(deps: CohortRunDeps): Pick<CohortRunDeps, 'patients' | 'writer' | 'reports'> {
  return {
    ...(deps.patients ? { patients: deps.patients } : {}),
    ...(deps.writer ? { writer: deps.writer } : {}),
    ...(deps.reports ? { reports: deps.reports } : {}),
  };
}

/**
 * Summary, then the MeasureReport (when asked), then the `completed` line: a crash in between
 * leaves the run unfinished with every patient journaled, and resuming only redoes these steps.
 */
async function complete(input: {
  deps: CohortRunDeps;
  paths: RunPaths;
  stored: StoredRun;
  journal: JournalWriter;
  now: () => Date;
}): Promise<{ summary: CohortSummary } | { error: { code: string; message: string } }> {
  const { deps, paths, stored, journal, now } = input;
  const completedAt = now().toISOString();
  const summary = await buildSummary({ dataDir: deps.dataDir, paths, stored, trial: deps.trial, status: 'completed', completedAt, now: now() });
  if (stored.definition.writeMeasureReport && deps.measureReports) {
    try {
      await deps.measureReports.write(buildMeasureReport(summary));
    } catch (error) {
      const code = isEligoError(error) ? error.code : 'ERR_INTERNAL';
      const message = `every patient is screened, but the MeasureReport could not be written: ${error instanceof Error ? error.message : String(error)}`;
      journal.append({ type: 'end', status: 'failed', code, reason: message, at: now().toISOString() });
      return { error: { code, message } };
    }
  }
  writeFileAtomic(paths.summary, `${JSON.stringify(summary, null, 2)}\n`);
  journal.append({ type: 'end', status: 'completed', at: completedAt });
  return { summary };
}
