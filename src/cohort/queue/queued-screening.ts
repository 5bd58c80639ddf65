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
}

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
    await register();
    const { patientId } = candidate;
    await redis.sadd(keys.ids, patientId);
    const job = screeningJob(runId, patientId, target.attempts ?? 3);
    await queue.add(job.name, job.data, job.opts);
    for (;;) {
      const stored = await redis.hget(keys.results, patientId);
      if (stored !== null) return queuedResultSchema.parse(JSON.parse(stored)).record;
      // Not journaled: a resumed run waits for this patient again (the job is still queued).
      if (signal.aborted) throw new EligoError('ERR_CANCELLED', `stopped waiting for the workers to screen the patients of cohort run ${runId}`);
      // Ends early on abort, and leaves no listener behind on the run's signal.
      await sleep(target.pollMs ?? 250, undefined, { signal }).catch(() => undefined);
    }
  };

  return { screen, close: () => queue.close() };
}
