import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { EligoError } from '../../errors/eligo-error';
import { cohortDefinitionSchema } from '../definition';
import { runKeys } from './keys';
import type { Redis } from './redis';

const runRecordSchema = z.object({ definition: cohortDefinitionSchema, trialDigest: z.string().min(1) });
export type QueueRunRecord = z.infer<typeof runRecordSchema>;

/**
 * Records the run's definition once (SET NX); a run id enqueued again must carry the same
 * definition and trial text, or half the cohort would be screened one way and half another.
 */
export async function storeOrMatchRun(redis: Redis, runId: string, record: QueueRunRecord): Promise<void> {
  const key = runKeys(runId).run;
  const created = await redis.set(key, JSON.stringify(record), 'NX');
  if (created === 'OK') return;
  const existing = await readRun(redis, runId);
  if (!isDeepStrictEqual(existing.definition, record.definition)) {
    throw new EligoError('ERR_ARGUMENT_INVALID', `queued cohort run ${runId} exists with another definition; use the same options or another run id`, { where: 'runId' });
  }
  if (existing.trialDigest !== record.trialDigest) {
    throw new EligoError('ERR_ARGUMENT_INVALID', `queued cohort run ${runId} was started with other criteria for trial ${record.definition.trial}; use another run id`, { where: 'runId' });
  }
}

export async function readRun(redis: Redis, runId: string): Promise<QueueRunRecord> {
  const text = await redis.get(runKeys(runId).run);
  if (typeof text !== 'string') throw new EligoError('ERR_NOT_FOUND', `no queued cohort run ${runId}`, { where: 'runId' });
  const parsed = runRecordSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new EligoError('ERR_INPUT_INVALID', `queued cohort run ${runId} has a damaged record in Redis`, { where: 'runId' });
  return parsed.data;
}
