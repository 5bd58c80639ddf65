import { Queue } from 'bullmq';
import type { CompiledTrial } from '../../mapping/compile';
import { cohortDefinitionSchema, fhirIdSchema, runIdSchema } from '../definition';
import type { CohortDefinition } from '../definition';
import { trialDigest } from '../run/run-cohort';
import { DEFAULT_QUEUE_NAME, queueNameSchema, runKeys, screeningJob } from './keys';
import type { ScreeningJob } from './keys';
import type { Redis } from './redis';
import { parseArgument } from './parse';
import { storeOrMatchRun } from './run-record';

export interface EnqueueRunOptions {
  redis: Redis;
  queueName?: string;
  runId: string;
  definition: CohortDefinition;
  /** The compiled trial the definition names: its digest travels with the run so every worker screens by the same criteria. */
  trial: CompiledTrial;
  /** Candidate patient ids (a cohort candidate stream fits; resources it carries are not queued: workers read by id). */
  candidates: AsyncIterable<string | { patientId: string }> | Iterable<string | { patientId: string }>;
  /** Tries per patient when the FHIR server is unavailable. Default 3. */
  attempts?: number;
  signal?: AbortSignal;
}

export interface EnqueueResult {
  runId: string;
  /** Distinct patients in the run (over every enqueue of it). */
  total: number;
  /** Patients this call added that no earlier enqueue had. */
  added: number;
}

const CHUNK = 500;

/**
 * Puts one BullMQ job per candidate patient on the queue, job id = run id + patient id, so
 * enqueueing the same run again (after a producer crash, or to be sure) adds only the missing
 * patients and never a second job for one already queued or done. The run's total is written
 * once every candidate is in, which is what lets progress say "complete".
 */
export async function enqueueRun(options: EnqueueRunOptions): Promise<EnqueueResult> {
  const runId = parseArgument(runIdSchema, options.runId, 'runId');
  const definition = parseArgument(cohortDefinitionSchema, options.definition, 'definition');
  const keys = runKeys(runId);
  const { redis } = options;
  await storeOrMatchRun(redis, runId, { definition, trialDigest: trialDigest(options.trial) });
  await redis.del(keys.enqueued);
  const queue = new Queue<ScreeningJob>(parseArgument(queueNameSchema, options.queueName ?? DEFAULT_QUEUE_NAME, 'queueName'), { connection: redis });
  const attempts = options.attempts ?? 3;
  let added = 0;
  try {
    let chunk: string[] = [];
    const flush = async (): Promise<void> => {
      if (chunk.length === 0) return;
      added += await redis.sadd(keys.ids, ...chunk);
      // Every id is added to BullMQ even when the set already had it: a crash between the two steps must not lose a job.
      await queue.addBulk(chunk.map((patientId) => screeningJob(runId, patientId, attempts)));
      chunk = [];
    };
    for await (const candidate of options.candidates) {
      options.signal?.throwIfAborted();
      chunk.push(parseArgument(fhirIdSchema, typeof candidate === 'string' ? candidate : candidate.patientId, 'patientId'));
      if (chunk.length >= CHUNK) await flush();
    }
    await flush();
    const total = await redis.scard(keys.ids);
    await redis.set(keys.enqueued, total);
    return { runId, total, added };
  } finally {
    await queue.close();
  }
}
