import { hostname } from 'node:os';
import { UnrecoverableError, Worker } from 'bullmq';
import type { Job } from 'bullmq';
import type { Logger } from '../../log';
import { getTrial } from '../../mapping/compile';
import type { Catalog, CompiledTrial } from '../../mapping/compile';
import type { ReportStore } from '../../report/store';
import type { PatientSource, ReportWriter } from '../../usecases/ports';
import type { PatientRecord } from '../journal/records';
import { trialDigest } from '../run/run-cohort';
import { failedRecord, screenCandidate } from '../run/screen-candidate';
import { DEFAULT_QUEUE_NAME, queueNameSchema, runKeys, screeningJobSchema } from './keys';
import type { ScreeningJob } from './keys';
import type { Redis } from './redis';
import { parseArgument } from './parse';
import { hasResult, storeResult } from './results';
import { readRun } from './run-record';
import type { QueueRunRecord } from './run-record';

export interface ScreeningWorkerOptions {
  redis: Redis;
  queueName?: string;
  /** The mapping files; the run's trial must compile to the same criteria as the producer's. */
  catalog: Catalog;
  /** Where patients are read by id (the FHIR server). */
  patients: PatientSource;
  writer?: ReportWriter;
  reports?: ReportStore;
  /** Patients screened at once in this process. Default 4. */
  concurrency?: number;
  /** Names this worker in the results. Default host:pid. */
  workerId?: string;
  /** How long a job stays locked to this worker without a heartbeat before another takes it over. Default 30 000. */
  lockDurationMs?: number;
  now?: () => Date;
  log?: Logger;
}

export interface ScreeningWorker {
  readonly id: string;
  /** Resolves once connected and taking jobs. */
  ready(): Promise<void>;
  /** Finishes the patients in hand and stops taking jobs. */
  close(): Promise<void>;
}

/** Failures worth another try later (BullMQ backs off between attempts); anything else is the patient's result. */
const RETRYABLE = new Set(['ERR_FHIR_UNAVAILABLE']);

/**
 * A worker process's share of queued cohort runs: takes one patient at a time from the queue,
 * screens them through the shared use case (screenCandidate → screenPatient) against the FHIR
 * server, and stores the patient's journal record in the run's results. A patient that already
 * has a result is not screened again (a job re-run after a crash or re-enqueued after its job
 * expired), so each patient is screened once however often their job runs.
 */
export function startScreeningWorker(options: ScreeningWorkerOptions): ScreeningWorker {
  const id = options.workerId ?? `${hostname()}:${process.pid}`;
  const now = options.now ?? ((): Date => new Date());
  const { redis, log } = options;
  const runs = new Map<string, Promise<{ record: QueueRunRecord; trial: CompiledTrial }>>();

  const runOf = (runId: string): Promise<{ record: QueueRunRecord; trial: CompiledTrial }> => {
    let run = runs.get(runId);
    if (!run) {
      run = readRun(redis, runId).then((record) => ({ record, trial: getTrial(options.catalog, record.definition.trial) }));
      run.catch(() => runs.delete(runId));
      runs.set(runId, run);
    }
    return run;
  };

  const screenJob = async (job: Job<ScreeningJob>): Promise<string> => {
    const parsed = screeningJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('the job data is not a { runId, patientId } pair');
    const { runId, patientId } = parsed.data;
    if (await hasResult(redis, runId, patientId)) return 'already screened';
    let record: PatientRecord;
    try {
      const { record: run, trial } = await runOf(runId);
      if (trialDigest(trial) !== run.trialDigest) {
        // Screening by other criteria than the rest of the run would make one wrong summary: fail closed.
        record = { type: 'failed', patientId, code: 'ERR_CONFIG_INVALID', reason: `worker ${id} has other mapping files for trial ${trial.def.id} than the run`, at: now().toISOString() };
      } else {
        await redis.hincrby(runKeys(runId).screenings, patientId, 1);
        record = await screenCandidate(
          { trial, patients: options.patients, now, ...(options.writer ? { writer: options.writer } : {}), ...(options.reports ? { reports: options.reports } : {}) },
          run.definition,
          { patientId },
        );
      }
    } catch (error) {
      record = failedRecord(patientId, error, now());
    }
    const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (record.type === 'failed' && RETRYABLE.has(record.code) && !lastAttempt) {
      log?.warn({ worker: id, runId, code: record.code, attempt: job.attemptsMade + 1 }, 'patient screening will be retried');
      throw new Error(record.reason);
    }
    await storeResult(redis, runId, record, id);
    log?.debug({ worker: id, runId, type: record.type }, 'patient screened');
    return record.type;
  };

  const worker = new Worker<ScreeningJob, string>(parseArgument(queueNameSchema, options.queueName ?? DEFAULT_QUEUE_NAME, 'queueName'), screenJob, {
    connection: redis,
    concurrency: Math.max(1, Math.floor(options.concurrency ?? 4)),
    name: id,
    ...(options.lockDurationMs ? { lockDuration: options.lockDurationMs, stalledInterval: options.lockDurationMs } : {}),
  });
  // A job BullMQ gave up on without our processor storing a result (stalled too often, Redis failing): record
  // it, or the run would never be complete.
  worker.on('failed', (job, error) => {
    if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    const parsed = screeningJobSchema.safeParse(job.data);
    if (!parsed.success) return;
    const record: PatientRecord = { type: 'failed', patientId: parsed.data.patientId, code: 'ERR_INTERNAL', reason: error.message.slice(0, 500), at: now().toISOString() };
    storeResult(redis, parsed.data.runId, record, id).catch((storeError: unknown) => log?.error({ worker: id, err: storeError }, 'could not record a failed job'));
  });
  worker.on('error', (error) => log?.error({ worker: id, err: error }, 'screening worker error'));

  return {
    id,
    ready: () => worker.waitUntilReady().then(() => undefined),
    close: () => worker.close(),
  };
}
