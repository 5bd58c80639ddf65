import type { JobsOptions } from 'bullmq';
import { z } from 'zod';
import { fhirIdSchema, runIdSchema } from '../definition';
import { parseArgument } from './parse';

/** The BullMQ queue cohort screening jobs go through, unless configured otherwise. */
export const DEFAULT_QUEUE_NAME = 'eligo-screening';

export const queueNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'a queue name: letters, digits, "_" and "-"');

/** A job screens one patient of one run; both ids are checked before they reach Redis keys. */
export const screeningJobSchema = z.object({ runId: runIdSchema, patientId: fhirIdSchema }).strict();
export type ScreeningJob = z.infer<typeof screeningJobSchema>;

/**
 * One job id per (run, patient): adding it again (a producer restarted after a crash) finds
 * the existing job instead of queueing a second. BullMQ refuses ":" in custom ids; "/" can
 * appear in neither a run id nor a FHIR id, so the pair reads back unambiguously.
 */
export function jobIdFor(runId: string, patientId: string): string {
  return `${runId}/${patientId}`;
}

const KEEP_FINISHED_JOBS_S = 7 * 24 * 3600;

/** The BullMQ job that screens one patient: retried with backoff while the FHIR server is unavailable, kept a week. */
export function screeningJob(runId: string, patientId: string, attempts: number): { name: string; data: ScreeningJob; opts: JobsOptions } {
  return {
    name: 'screen',
    data: { runId, patientId },
    opts: {
      jobId: jobIdFor(runId, patientId),
      attempts: Math.max(1, Math.floor(attempts)),
      backoff: { type: 'exponential', delay: 2000 },
      removeOnComplete: { age: KEEP_FINISHED_JOBS_S },
      removeOnFail: { age: KEEP_FINISHED_JOBS_S },
    },
  };
}

/** eligo's own Redis keys for a run, beside BullMQ's. */
export function runKeys(runId: string): {
  run: string;
  ids: string;
  results: string;
  screenings: string;
  enqueued: string;
} {
  const base = `eligo:cohort-queue:${parseArgument(runIdSchema, runId, 'runId')}`;
  return {
    /** The run's definition and trial digest (JSON), written once by the first producer. */
    run: `${base}:run`,
    /** Set of every patient id enqueued (its size is the run's total). */
    ids: `${base}:ids`,
    /** Hash patient id → the patient's journal record (screened or failed) and the worker. */
    results: `${base}:results`,
    /** Hash patient id → how many times screening ran for the patient (1 when nothing went wrong). */
    screenings: `${base}:screenings`,
    /** The total once a producer has enqueued every candidate; absent while enqueueing. */
    enqueued: `${base}:enqueued`,
  };
}
