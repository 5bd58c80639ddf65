import pino from 'pino';
import { startWorkerFromEnv } from '../cohort/queue';
import { createLogger } from '../log';
import { EXIT_FAILED, EXIT_OK } from './exit-codes';
import type { CliIo } from './io';

export const WORKER_USAGE = `Usage: eligo worker

Takes patients of queued cohort runs from a BullMQ queue on Redis and screens them against the
FHIR server, until SIGTERM or Ctrl-C (the patients in hand are finished first). Configured from
the environment: ELIGO_REDIS_URL (required), ELIGO_FHIR_BASE_URL (required), ELIGO_FHIR_TOKEN,
ELIGO_QUEUE_NAME, ELIGO_WORKER_CONCURRENCY (default 4), ELIGO_WORKER_ID, ELIGO_WRITE_BACK,
ELIGO_MAPPINGS_DIR, ELIGO_LOG_LEVEL. See docs/scaling.md.
`;

/**
 * `eligo worker`: one screening worker process. Resolves with the exit code once stopped by a
 * signal (or the given one); prints "ready <worker id>" on stdout when it takes jobs.
 */
export async function workerCommand(io: CliIo, options: { env?: NodeJS.ProcessEnv; stop?: AbortSignal } = {}): Promise<number> {
  const env = options.env ?? process.env;
  // Logs go to stderr: stdout carries only the ready line.
  const log = createLogger({ level: env.ELIGO_LOG_LEVEL ?? 'info', destination: pino.destination(2) });
  const running = await startWorkerFromEnv(env, log);
  io.out(`ready ${running.worker.id}\n`);
  await new Promise<void>((resolve) => {
    if (options.stop) {
      options.stop.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
  });
  try {
    await running.stop();
    return EXIT_OK;
  } catch (error) {
    log.error({ err: error instanceof Error ? error.message : String(error) }, 'worker did not stop cleanly');
    return EXIT_FAILED;
  }
}
