import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { EligoError } from '../../errors/eligo-error';
import type { CompiledTrial } from '../../mapping/compile';
import type { CohortDefinition } from '../definition';
import type { PatientRecord } from '../journal/records';
import { trialDigest } from '../run/run-cohort';
import type { CandidateScreener } from '../run/screen-candidate';
import type { CohortCandidate } from '../types';
import { DEFAULT_QUEUE_NAME, queueNameSchema, runKeys, screeningJob } from './keys';
import { parseArgument } from './parse';
import type { Redis } from './redis';
import { queuedResultSchema } from './results';
import { storeOrMatchRun } from './run-record';

/** Where a cohort run's patients are screened when worker processes do it. */
export interface QueueTarget {
  redis: Redis;
  queueName?: string;
  /** Tries per patient when the FHIR server is unavailable. Default 3. */
  attempts?: number;
  /** How often a waiting patient's result is looked for. Default 250 ms. */
  pollMs?: number;
  /** How often a waiting patient's job is checked to still be queued. Default 5 s. */
  lostCheckMs?: number;
}

/** A job found missing this many times (each re-enqueued) fails the patient instead of waiting on. */
const MAX_LOST = 3;

export interface QueuedScreening {
  screen: CandidateScreener;
  close(): Promise<void>;
}

/**
 * The runner's screening step handed to `eligo worker` processes: each candidate becomes one
 * BullMQ job (job id = run and patient, so a resumed run re-adds nothing already queued or
 * done), and the step ends when a worker has stored the patient's record in Redis. The runner
 * journals that record as its own, so progress, resume, the summary and the funnel are the
 * same as when it screens itself. Workers read patients by id: resources a candidate carries
 * (Bulk Data) are not shipped through Redis.
 */
export function queuedScreening(target: QueueTarget, runId: string, definition: CohortDefinition, trial: CompiledTrial): QueuedScreening {
  const { redis } = target;
  const queue = new Queue(parseArgument(queueNameSchema, target.queueName ?? DEFAULT_QUEUE_NAME, 'queueName'), { connection: redis });
  const keys = runKeys(runId);
  let registered: Promise<void> | undefined;
  const register = (): Promise<void> => {
    registered ??= storeOrMatchRun(redis, runId, { definition, trialDigest: trialDigest(trial) });
    return registered;
  };

  const screen = async (candidate: CohortCandidate, signal: AbortSignal): Promise<PatientRecord> => {
    const { patientId } = candidate;
    const job = screeningJob(runId, patientId, target.attempts ?? 3);
    const enqueue = async (): Promise<void> => {
      await register();
      await redis.sadd(keys.ids, patientId);
      await queue.add(job.name, job.data, job.opts);
    };
    await enqueue();
    let lost = 0;
    let checkedAt = Date.now();
    for (;;) {
      const stored = await redis.hget(keys.results, patientId);
      if (stored !== null) return queuedResultSchema.parse(JSON.parse(stored)).record;
      if (Date.now() - checkedAt >= (target.lostCheckMs ?? 5000)) {
        checkedAt = Date.now();
        // No result and no job: Redis lost them (restarted without persistence, flushed, evicted).
        // Waiting on would wait forever: the run record and the job are put back instead.
        if (!(await queue.getJob(job.opts.jobId as string)) && (await redis.hget(keys.results, patientId)) === null) {
          lost++;
          if (lost > MAX_LOST) {
            throw new EligoError('ERR_QUEUE_UNAVAILABLE', `the queue lost the screening job of this patient of cohort run ${runId} ${MAX_LOST + 1} times (is Redis restarting, or evicting keys?)`, { where: 'queue' });
          }
          registered = undefined;
          await enqueue();
        }
      }
      // Not journaled: a resumed run waits for this patient again (the job is still queued).
      if (signal.aborted) throw new EligoError('ERR_CANCELLED', `stopped waiting for the workers to screen the patients of cohort run ${runId}`);
      // Ends early on abort, and leaves no listener behind on the run's signal.
      await sleep(target.pollMs ?? 250, undefined, { signal }).catch(() => undefined);
    }
  };

  return { screen, close: () => queue.close() };
}
