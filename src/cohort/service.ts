import { isDeepStrictEqual } from 'node:util';
import type { BulkClient } from '../bulk/bulk-client';
import { EligoError } from '../errors/eligo-error';
import type { FhirSource } from '../fhir';
import type { Logger } from '../log';
import { getTrial, type Catalog, type CompiledTrial } from '../mapping/compile';
import type { ReportStore } from '../report/store';
import type { PatientSource, ReportWriter } from '../usecases/ports';
import { today } from '../usecases/screen';
import { candidateSourceFor, type DiagnosisSourceOptions } from './candidates';
import { cohortRunRequestSchema, runIdSchema, type CohortDefinition } from './definition';
import { fhirMeasureReportWriter } from './fhir-measure-report';
import { isLockHeld, listRunIds, readStoredRun, runPaths, type RunPaths, type StoredRun } from './journal/run-dir';
import { readRunState, type RunState } from './journal/run-state';
import { newRunId } from './run-id';
import { runCohort, trialDigest, type CohortProgress, type CohortRunResult } from './run/run-cohort';
import { queuedScreening, type QueueTarget } from './queue/queued-screening';
import { buildSummary, readStoredSummary } from './summary/build';
import type { CohortSummary, RunStatus } from './summary/types';
import type { CandidateSource } from './types';

export interface CohortServiceDeps {
  catalog: Catalog;
  /** Runs are kept under `<dataDir>/cohort-runs/`. */
  dataDir: string;
  /** The configured FHIR server: candidate searches and the MeasureReport write. */
  fhir?: FhirSource;
  /** Where candidates are fetched from (fhirPorts().source). */
  patients?: PatientSource;
  /** Present only when write-back is allowed (ELIGO_WRITE_BACK). */
  writer?: ReportWriter;
  reports?: ReportStore;
  /** Patients screened at once per run. Default 4. */
  concurrency?: number;
  selection?: DiagnosisSourceOptions;
  /** Screen through `eligo worker` processes on this queue instead of in this process. */
  queue?: QueueTarget;
  /** Bulk Data client for the configured server; `export` selections need one. */
  bulk?: BulkClient;
  now?: () => Date;
  log?: Logger;
}

/** A run as the API shows it: progress counts and what it is. */
export interface CohortRunView extends CohortProgress {
  definition: CohortDefinition;
  candidates: string;
  createdAt: string;
  /** Running in this process now. */
  active: boolean;
}

export interface StartOptions {
  /** Candidates the caller supplies (Bulk Data); the request's `select` is then ignored for selection. */
  source?: CandidateSource;
  /** Called with every progress update (the CLI's bar). */
  onProgress?: (progress: CohortProgress) => void;
}

export interface CohortService {
  /** Starts (or resumes, with a known runId) a run in the background; resolves once it has started. */
  start(request: unknown, options?: StartOptions): Promise<CohortRunView>;
  /** Starts or resumes a run and waits for it to end (CLI, scheduler). */
  run(request: unknown, options?: StartOptions & { signal?: AbortSignal }): Promise<CohortRunResult>;
  status(runId: string): Promise<CohortRunView>;
  /** Asks a running run to stop (patients in flight finish and are journaled); a run not running is returned as it is. */
  cancel(runId: string): Promise<CohortRunView>;
  /** The summary: final for a completed run, partial (status says so) otherwise. */
  summary(runId: string): Promise<CohortSummary>;
  list(): Promise<CohortRunView[]>;
  /** Resumes runs a crash left unfinished (no end in the journal, no live process holding them). */
  resumeInterrupted(): Promise<string[]>;
  /** Cancels every active run and waits for them to stop. */
  close(): Promise<void>;
  readonly trialOf: (runId: string) => CompiledTrial;
}

interface ActiveRun {
  controller: AbortController;
  progress: CohortProgress;
  stored: Pick<StoredRun, 'definition' | 'candidates' | 'createdAt'>;
  done: Promise<CohortRunResult | undefined>;
}

/**
 * Cohort runs for the API, the scheduler and the CLI: one place that turns a request into a
 * definition, a candidate source and a run, and keeps the runs of this process.
 */
export function createCohortService(deps: CohortServiceDeps): CohortService {
  const now = deps.now ?? ((): Date => new Date());
  const active = new Map<string, ActiveRun>();

  const prepare = (
    request: unknown,
    options: StartOptions,
  ): { runId: string; definition: CohortDefinition; trial: CompiledTrial; source: CandidateSource; createdAt: string } => {
    const given = new Set(typeof request === 'object' && request !== null ? Object.keys(request) : []);
    const parsed = cohortRunRequestSchema.parse(request ?? {});
    const trial = getTrial(deps.catalog, parsed.trial);
    const runId = parsed.runId ?? newRunId(trial.id, now());
    const fresh: CohortDefinition = {
      trial: trial.id,
      select: options.source ? { by: 'supplied', description: options.source.description } : parsed.select,
      asOf: parsed.asOf ?? today(now()),
      ...(parsed.leukapheresisDate ? { leukapheresisDate: parsed.leukapheresisDate } : {}),
      writeBack: parsed.writeBack,
      writeMeasureReport: parsed.writeMeasureReport,
    };
    const stored = readStoredRun(runPaths(deps.dataDir, runId));
    const definition = stored ? resumedDefinition(stored.definition, fresh, given, runId) : fresh;
    const exportDeps = deps.bulk ? { bulk: deps.bulk, runDir: runPaths(deps.dataDir, runId).dir } : undefined;
    const source = options.source ?? candidateSourceFor(definition.select, trial, deps.fhir, deps.selection, exportDeps);
    return { runId, definition, trial, source, createdAt: stored?.createdAt ?? now().toISOString() };
  };

  const launch = (request: unknown, options: StartOptions & { signal?: AbortSignal }): { runId: string; entry: ActiveRun; firstProgress: Promise<void> } => {
    const { runId, definition, trial, source, createdAt } = prepare(request, options);
    const existing = active.get(runId);
    if (existing) return { runId, entry: existing, firstProgress: Promise.resolve() };
    const controller = new AbortController();
    options.signal?.addEventListener('abort', () => controller.abort(), { once: true });
    let started!: () => void;
    const firstProgress = new Promise<void>((resolve) => (started = resolve));
    const entry: ActiveRun = {
      controller,
      progress: { runId, trial: trial.id, status: 'selecting', screened: 0, failed: 0, byOutcome: { eligible: 0, 'potential-candidate': 0, ineligible: 0 }, failedByCode: {}, warnings: [] },
      stored: { definition, candidates: source.description, createdAt },
      done: Promise.resolve(undefined),
    };
    active.set(runId, entry);
    deps.log?.info({ runId, trial: trial.id, select: definition.select.by, queued: deps.queue !== undefined }, 'cohort run starting');
    const queued = deps.queue ? queuedScreening(deps.queue, runId, definition, trial) : undefined;
    entry.done = runCohort(
      {
        runId,
        definition,
        signal: controller.signal,
        ...(deps.concurrency ? { concurrency: deps.concurrency } : {}),
        onProgress: (progress) => {
          entry.progress = controller.signal.aborted && !isFinal(progress.status) ? { ...progress, status: 'cancelling' } : progress;
          options.onProgress?.(progress);
          started();
        },
      },
      {
        dataDir: deps.dataDir,
        trial,
        source,
        now,
        ...(deps.patients ? { patients: deps.patients } : {}),
        ...(deps.writer ? { writer: deps.writer } : {}),
        ...(deps.reports ? { reports: deps.reports } : {}),
        ...(deps.fhir ? { measureReports: fhirMeasureReportWriter(deps.fhir) } : {}),
        ...(deps.log ? { log: deps.log } : {}),
        ...(queued ? { screen: queued.screen } : {}),
      },
    ).finally(() => queued?.close()).then(
      (result) => {
        const { byOutcome, failed, status } = result.progress;
        deps.log?.info({ runId, trial: trial.id, status, byOutcome, failed }, 'cohort run ended');
        return result;
      },
      (error: unknown) => {
        started();
        throw error;
      },
    );
    entry.done
      .finally(() => {
        if (active.get(runId) === entry) active.delete(runId);
      })
      .catch(() => undefined);
    return { runId, entry, firstProgress };
  };

  const storedRun = (runId: string): { paths: RunPaths; stored: StoredRun } => {
    const paths = runPaths(deps.dataDir, runIdSchema.parse(runId));
    const stored = readStoredRun(paths);
    if (!stored) throw new EligoError('ERR_NOT_FOUND', `no cohort run ${runId}`, { where: 'runId' });
    return { paths, stored };
  };

  const viewFromDisk = async (runId: string): Promise<CohortRunView> => {
    const { paths, stored } = storedRun(runId);
    // Outcome counts only: the view shows no criterion counts, so the trial is not needed.
    const state = await readRunState(paths.journal, undefined);
    const status = diskStatus(paths, state);
    return {
      runId,
      trial: stored.definition.trial,
      status,
      ...state.tally.counts(),
      ...(state.selected?.total === undefined ? {} : { total: state.selected.total }),
      warnings: state.selected?.warnings ?? [],
      ...(state.end?.code && state.end.reason ? { error: { code: state.end.code, message: state.end.reason } } : {}),
      ...(state.startedAt ? { startedAt: state.startedAt } : {}),
      ...(state.end ? { finishedAt: state.end.at } : {}),
      definition: stored.definition,
      candidates: stored.candidates,
      createdAt: stored.createdAt,
      active: false,
    };
  };

  const viewOf = (entry: ActiveRun): CohortRunView => ({ ...entry.progress, ...entry.stored, active: true });

  const service: CohortService = {
    async start(request, options = {}) {
      const { runId, entry, firstProgress } = launch(request, options);
      await Promise.race([firstProgress, entry.done]);
      return active.has(runId) ? viewOf(entry) : viewFromDisk(runId);
    },

    async run(request, options = {}) {
      const { entry } = launch(request, options);
      const result = await entry.done;
      // Only a second caller joining a run it did not start gets here without a result.
      if (!result) throw new EligoError('ERR_INTERNAL', 'the cohort run ended without a result');
      return result;
    },

    async status(runId) {
      const entry = active.get(runId);
      return entry ? viewOf(entry) : viewFromDisk(runId);
    },

    async cancel(runId) {
      const entry = active.get(runId);
      if (!entry) return viewFromDisk(runId);
      entry.controller.abort();
      if (!isFinal(entry.progress.status)) entry.progress = { ...entry.progress, status: 'cancelling' };
      return viewOf(entry);
    },

    async summary(runId) {
      const { paths, stored } = storedRun(runId);
      const entry = active.get(runId);
      const final = entry ? undefined : readStoredSummary(paths);
      if (final) return final;
      const trial = getTrial(deps.catalog, stored.definition.trial);
      if (trialDigest(trial) !== stored.trialDigest) {
        throw new EligoError('ERR_ARGUMENT_INVALID', `trial ${trial.id} changed since cohort run ${runId} started and the run never completed: no summary`, { where: 'runId' });
      }
      const status = entry ? entry.progress.status : diskStatus(paths, await readRunState(paths.journal, undefined));
      return buildSummary({ dataDir: deps.dataDir, paths, stored, trial, status, now: now() });
    },

    async list() {
      const ids = new Set([...listRunIds(deps.dataDir), ...active.keys()]);
      const views: CohortRunView[] = [];
      for (const id of [...ids].sort()) views.push(await service.status(id));
      return views;
    },

    async resumeInterrupted() {
      const resumed: string[] = [];
      for (const runId of listRunIds(deps.dataDir)) {
        if (active.has(runId)) continue;
        const paths = runPaths(deps.dataDir, runId);
        const stored = readStoredRun(paths);
        if (!stored || isLockHeld(paths)) continue;
        const state = await readRunState(paths.journal, undefined);
        if (state.end) continue;
        if (stored.definition.select.by === 'supplied') {
          deps.log?.warn({ runId }, 'interrupted cohort run has supplied candidates; resume it from where they come from');
          continue;
        }
        try {
          await service.start({ trial: stored.definition.trial, runId });
          resumed.push(runId);
        } catch (error) {
          deps.log?.warn({ runId, err: error instanceof Error ? error.message : String(error) }, 'interrupted cohort run not resumed');
        }
      }
      return resumed;
    },

    async close() {
      const runs = [...active.values()];
      for (const run of runs) run.controller.abort();
      await Promise.allSettled(runs.map((r) => r.done));
    },

    trialOf(runId) {
      return getTrial(deps.catalog, storedRun(runId).stored.definition.trial);
    },
  };
  return service;
}

/** A run not active in this process: its journal's end, else running (a live process holds its lock) or interrupted. */
function diskStatus(paths: RunPaths, state: RunState): RunStatus {
  return state.end?.status ?? (isLockHeld(paths) ? 'running' : 'interrupted');
}

function isFinal(status: CohortProgress['status']): boolean {
  return status === 'completed' || status === 'cancelled' || status === 'failed';
}

/**
 * Resuming a run by id: fields the request leaves out come from the stored definition (a run
 * resumed the next day keeps its as-of date); fields it gives must match.
 */
function resumedDefinition(stored: CohortDefinition, fresh: CohortDefinition, given: ReadonlySet<string>, runId: string): CohortDefinition {
  const keys: (keyof CohortDefinition)[] = ['trial', 'select', 'asOf', 'leukapheresisDate', 'writeBack', 'writeMeasureReport'];
  for (const key of keys) {
    const explicit = key === 'trial' || given.has(key) || (key === 'select' && fresh.select.by === 'supplied');
    if (explicit && !isDeepStrictEqual(stored[key], fresh[key])) {
      throw new EligoError('ERR_ARGUMENT_INVALID', `cohort run ${runId} exists with another ${key}; resume it with the same options or choose another run id`, { where: key });
    }
  }
  return stored;
}
