import { Queue } from 'bullmq';
import { isEligoError } from '../../src/errors/eligo-error';
import { connectRedis, type Redis } from '../../src/cohort/queue';
import { queuedScreening } from '../../src/cohort/queue/queued-screening';
import type { CohortDefinition } from '../../src/cohort/definition';
import { jobIdFor } from '../../src/cohort/queue/keys';
import { getTrial, loadCatalog } from '../../src/mapping/compile';
import { startSeededServer, type SeededServer } from '../bulk/support';
import { startRedis, type RunningRedis } from './support/redis-server';
import { QUEUE, startWorker, stopWorker } from './support/workers';

/**
 * Redis restarted without persistence (here: FLUSHALL) loses the run record and the queued
 * jobs. The coordinator must notice instead of waiting forever: it puts them back, and after
 * losing a job again and again it fails that patient with a message.
 */
const trial = getTrial(loadCatalog(), 'sle-cart');
const definition: CohortDefinition = { trial: 'sle-cart', select: { by: 'patients', patients: ['sle-eligible'] }, asOf: '2026-06-15', writeBack: false, writeMeasureReport: false };

let redisServer: RunningRedis;
let redis: Redis;
let fhir: SeededServer;

beforeAll(async () => {
  redisServer = await startRedis();
  redis = connectRedis(redisServer.url, 'eligo-lost-test');
  fhir = await startSeededServer({ synthea: 0 });
}, 60_000);

afterAll(async () => {
  await redis?.quit();
  await fhir?.running.close();
  await redisServer?.stop();
});

async function untilJob(queue: Queue, jobId: string): Promise<void> {
  for (let i = 0; i < 500 && !(await queue.getJob(jobId)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('queued screening when Redis loses its data', () => {
  it('fails the patient with ERR_QUEUE_UNAVAILABLE once its job is lost again and again, instead of waiting forever', async () => {
    const screening = queuedScreening({ redis, queueName: QUEUE, pollMs: 10, lostCheckMs: 50 }, 'lost-forever', definition, trial);
    const queue = new Queue(QUEUE, { connection: redis });
    try {
      const waiting = screening.screen({ patientId: 'sle-eligible' }, new AbortController().signal);
      let settled = false;
      const outcome = waiting.then(
        () => ({ error: undefined }),
        (error: unknown) => ({ error }),
      );
      void outcome.then(() => (settled = true));
      for (let i = 0; i < 200 && !settled; i++) {
        await untilJob(queue, jobIdFor('lost-forever', 'sle-eligible'));
        await redis.flushall();
        await new Promise((resolve) => setTimeout(resolve, 80));
      }
      const { error } = await outcome;
      expect(isEligoError(error, 'ERR_QUEUE_UNAVAILABLE')).toBe(true);
      expect((error as Error).message).toMatch(/lost the screening job .* 4 times/);
    } finally {
      await queue.close();
      await screening.close();
    }
  }, 60_000);

  it('puts a lost job and the run record back, so a worker that comes later screens the patient', async () => {
    const screening = queuedScreening({ redis, queueName: QUEUE, pollMs: 10, lostCheckMs: 50 }, 'lost-once', definition, trial);
    const queue = new Queue(QUEUE, { connection: redis });
    try {
      const waiting = screening.screen({ patientId: 'sle-eligible' }, new AbortController().signal);
      await untilJob(queue, jobIdFor('lost-once', 'sle-eligible'));
      await redis.flushall();
      await untilJob(queue, jobIdFor('lost-once', 'sle-eligible'));
      expect(await queue.getJob(jobIdFor('lost-once', 'sle-eligible'))).toBeDefined();
      const worker = await startWorker('late-worker', { ELIGO_REDIS_URL: redisServer.url, ELIGO_FHIR_BASE_URL: fhir.base });
      try {
        const record = await waiting;
        expect(record).toMatchObject({ type: 'screened', patientId: 'sle-eligible' });
      } finally {
        expect(await stopWorker(worker)).toBe(0);
      }
    } finally {
      await queue.close();
      await screening.close();
    }
  }, 90_000);
});
