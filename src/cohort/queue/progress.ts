import { setTimeout as sleep } from 'node:timers/promises';
import { EligoError } from '../../errors/eligo-error';
import { runKeys } from './keys';
import type { Redis } from './redis';

export interface QueueRunProgress {
  /** Patients enqueued so far. */
  enqueued: number;
  /** The run's size, once the producer has enqueued every candidate. */
  total?: number;
  /** Patients with a result (screened or failed). */
  done: number;
  /** Every candidate enqueued and every one has a result. */
  complete: boolean;
}

export async function queueRunProgress(redis: Redis, runId: string): Promise<QueueRunProgress> {
  const keys = runKeys(runId);
  const [enqueued, total, done] = await Promise.all([redis.scard(keys.ids), redis.get(keys.enqueued), redis.hlen(keys.results)]);
  const totalNumber = total !== null ? Number(total) : undefined;
  return {
    enqueued,
    ...(totalNumber === undefined ? {} : { total: totalNumber }),
    done,
    complete: totalNumber !== undefined && done >= totalNumber,
  };
}

/** Waits until every patient of the run has a result; ERR_CANCELLED when the signal aborts. */
export async function waitForQueueRun(
  redis: Redis,
  runId: string,
  options: { signal?: AbortSignal; pollMs?: number; onProgress?: (progress: QueueRunProgress) => void } = {},
): Promise<QueueRunProgress> {
  for (;;) {
    const progress = await queueRunProgress(redis, runId);
    options.onProgress?.(progress);
    if (progress.complete) return progress;
    if (options.signal?.aborted) throw new EligoError('ERR_CANCELLED', `stopped waiting for queued cohort run ${runId}`);
    // Ends early on abort, and leaves no listener behind on the signal.
    await sleep(options.pollMs ?? 500, undefined, options.signal ? { signal: options.signal } : undefined).catch(() => undefined);
  }
}
