import { parseConfig } from '../../errors/parse-config';
import { z } from 'zod';
import { fhirPortsFromConfig } from '../../app/fhir-ports';
import { configSchema } from '../../config';
import type { Logger } from '../../log';
import { loadCatalog } from '../../mapping/compile';
import { DEFAULT_QUEUE_NAME, queueNameSchema } from './keys';
import { connectRedis, describeRedisUrl } from './redis';
import { startScreeningWorker } from './worker';
import type { ScreeningWorker } from './worker';

/** A worker process's configuration, from the environment (the service's own variables where they mean the same). */
export const workerConfigSchema = configSchema
  .pick({
    ELIGO_FHIR_TOKEN: true,
    ELIGO_FHIR_TIMEOUT_MS: true,
    ELIGO_FHIR_RETRIES: true,
    ELIGO_WRITE_BACK: true,
    ELIGO_MAPPINGS_DIR: true,
    ELIGO_BULK_CLIENT_ID: true,
    ELIGO_BULK_PRIVATE_KEY_FILE: true,
    ELIGO_BULK_KEY_ALG: true,
    ELIGO_BULK_KEY_ID: true,
    ELIGO_BULK_TOKEN_URL: true,
    ELIGO_BULK_SCOPE: true,
  })
  .extend({
    /** redis://[user:password@]host:port/db (rediss:// for TLS). */
    ELIGO_REDIS_URL: z.string().min(1),
    ELIGO_QUEUE_NAME: queueNameSchema.default(DEFAULT_QUEUE_NAME),
    ELIGO_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    ELIGO_WORKER_ID: z.string().regex(/^[A-Za-z0-9._:-]{1,80}$/).optional(),
    /** Required here: a worker has no embedded server to fall back on. */
    ELIGO_FHIR_BASE_URL: z.url(),
  });

export type WorkerConfig = z.infer<typeof workerConfigSchema>;

export interface RunningWorker {
  worker: ScreeningWorker;
  /** Finishes the patients in hand, stops, and closes the Redis connection. */
  stop(): Promise<void>;
}

/**
 * Starts one screening worker from the environment (`eligo worker`): mappings loaded and
 * checked first, then the FHIR client and the Redis connection. The caller owns signals
 * (SIGTERM → stop()).
 */
export async function startWorkerFromEnv(env: NodeJS.ProcessEnv, log: Logger): Promise<RunningWorker> {
  const config = parseConfig(workerConfigSchema, env, 'worker configuration', 'environment');
  const catalog = loadCatalog(config.ELIGO_MAPPINGS_DIR);
  const redisName = describeRedisUrl(config.ELIGO_REDIS_URL);
  // The same credentials as the service: a fixed token, or SMART Backend Services.
  const ports = fhirPortsFromConfig(config, config.ELIGO_FHIR_BASE_URL);
  const redis = connectRedis(config.ELIGO_REDIS_URL, 'eligo-worker');
  redis.on('error', (error: Error) => log.warn({ redis: redisName, err: error.message }, 'Redis connection problem'));
  const worker = startScreeningWorker({
    redis,
    queueName: config.ELIGO_QUEUE_NAME,
    catalog,
    patients: ports.source,
    ...(config.ELIGO_WRITE_BACK ? { writer: ports.writer } : {}),
    concurrency: config.ELIGO_WORKER_CONCURRENCY,
    ...(config.ELIGO_WORKER_ID ? { workerId: config.ELIGO_WORKER_ID } : {}),
    log,
  });
  await worker.ready();
  log.info({ worker: worker.id, queue: config.ELIGO_QUEUE_NAME, redis: redisName, concurrency: config.ELIGO_WORKER_CONCURRENCY }, 'screening worker ready');
  return {
    worker,
    stop: async () => {
      await worker.close();
      await redis.quit();
    },
  };
}
