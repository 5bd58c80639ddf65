import { z } from 'zod';
import { failedRecordSchema, screenedRecordSchema } from '../journal/records';
import type { PatientRecord } from '../journal/records';
import { runKeys } from './keys';
import type { Redis } from './redis';

/** What the results hash holds per patient: the journal record the runner would write, and who screened. */
export const queuedResultSchema = z.object({ record: z.union([screenedRecordSchema, failedRecordSchema]), worker: z.string() });
export type QueuedResult = z.infer<typeof queuedResultSchema>;

/** Stores a patient's result unless one is there already; true when this call stored it. */
export async function storeResult(redis: Redis, runId: string, record: PatientRecord, worker: string): Promise<boolean> {
  const stored = await redis.hsetnx(runKeys(runId).results, record.patientId, JSON.stringify({ record, worker } satisfies QueuedResult));
  return stored === 1;
}

export async function hasResult(redis: Redis, runId: string, patientId: string): Promise<boolean> {
  return (await redis.hexists(runKeys(runId).results, patientId)) === 1;
}

/** Every stored result of a run, page by page (HSCAN): memory holds one page, whatever the cohort size. */
export async function* readQueueResults(redis: Redis, runId: string): AsyncGenerator<QueuedResult> {
  const key = runKeys(runId).results;
  let cursor = '0';
  do {
    const [next, flat] = await redis.hscan(key, cursor, 'COUNT', 500);
    cursor = next;
    for (let i = 1; i < flat.length; i += 2) yield queuedResultSchema.parse(JSON.parse(flat[i] as string));
  } while (cursor !== '0');
}

/** How many times screening ran per patient (a retry after an unavailable FHIR server counts again). */
export async function screeningCounts(redis: Redis, runId: string): Promise<Map<string, number>> {
  const stored = await redis.hgetall(runKeys(runId).screenings);
  return new Map(Object.entries(stored).map(([patientId, count]) => [patientId, Number(count)]));
}
