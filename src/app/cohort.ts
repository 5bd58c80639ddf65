import path from 'node:path';
import { createBulkClient } from '../bulk';
import { createCohortService, startCohortScheduler, type CohortConfig, type CohortScheduler, type CohortService } from '../cohort';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { Catalog } from '../mapping/compile';
import type { ReportStore } from '../report/store';
import { connectRedis, type QueueTarget } from '../cohort/queue';
import type { FhirPorts } from './fhir-ports';

export interface CohortRuntimeInput {
  config: Config;
  /** The ELIGO_COHORT_* variables, loaded (and checked) with loadCohortConfig at start-up. */
  cohortConfig: CohortConfig;
  catalog: Catalog;
  ports: FhirPorts;
  reports?: ReportStore;
  log?: Logger;
  now?: () => Date;
  /** Overrides ELIGO_COHORT_CONCURRENCY (the CLI's --concurrency). */
  concurrency?: number;
  dataDir?: string;
  /** Screen through `eligo worker` processes on this queue (the CLI's --queue). */
  queue?: QueueTarget;
}

export interface CohortRuntime {
  service: CohortService;
  /** The cron schedules of the configuration; absent when none is configured. */
  scheduler?: CohortScheduler;
  close(): Promise<void>;
}

/**
 * Cohort runs as the service, the CLI and the scheduler use them: one cohort service over the
 * configured FHIR server, with its Bulk Data client (Backend Services or the fixed token) and
 * the diagnosis search settings. Configuration errors name their variable before anything runs.
 */
export function createCohortRuntime(input: CohortRuntimeInput, options: { schedule: boolean }): CohortRuntime {
  const { cohortConfig } = input;
  // The CLI passes its own queue (--queue); the service takes it from ELIGO_REDIS_URL.
  const redis = input.queue || !input.config.ELIGO_REDIS_URL ? undefined : connectRedis(input.config.ELIGO_REDIS_URL, 'eligo-service');
  redis?.on('error', (error: Error) => input.log?.warn({ err: error.message }, 'Redis connection problem'));
  const queue: QueueTarget | undefined = input.queue ?? (redis ? { redis, ...(input.config.ELIGO_QUEUE_NAME ? { queueName: input.config.ELIGO_QUEUE_NAME } : {}) } : undefined);
  // Bulk Data from the same server, with the same credentials.
  const auth = input.ports.accessTokens;
  const bulk = createBulkClient({ baseUrl: input.ports.fhir.baseUrl, timeoutMs: input.config.ELIGO_FHIR_TIMEOUT_MS, retries: input.config.ELIGO_FHIR_RETRIES, ...(auth ? { auth } : {}) });
  const service = createCohortService({
    catalog: input.catalog,
    dataDir: path.resolve(input.dataDir ?? input.config.ELIGO_DATA_DIR),
    fhir: input.ports.fhir,
    patients: input.ports.source,
    // Write-back in API and scheduled runs only where the deployment allows it.
    ...(input.config.ELIGO_WRITE_BACK ? { writer: input.ports.writer } : {}),
    ...(input.reports ? { reports: input.reports } : {}),
    concurrency: input.concurrency ?? cohortConfig.concurrency,
    selection: { prefixSearch: cohortConfig.prefixSearch, textSearch: cohortConfig.textSearch },
    bulk,
    ...(queue ? { queue } : {}),
    ...(input.log ? { log: input.log } : {}),
    ...(input.now ? { now: input.now } : {}),
  });
  let scheduler: CohortScheduler | undefined;
  if (options.schedule) {
    if (cohortConfig.resumeOnStart) {
      service.resumeInterrupted().then(
        (resumed) => {
          if (resumed.length > 0) input.log?.info({ runs: resumed }, 'resumed interrupted cohort runs');
        },
        (error: unknown) => input.log?.error({ err: error instanceof Error ? error.message : String(error) }, 'could not resume interrupted cohort runs'),
      );
    }
    if (cohortConfig.schedules.length > 0) {
      scheduler = startCohortScheduler(service, cohortConfig.schedules, { ...(input.log ? { log: input.log } : {}), ...(input.now ? { now: input.now } : {}) });
      input.log?.info({ schedules: scheduler.jobs().map((j) => ({ trial: j.trial, cron: j.cron, nextRun: j.nextRun?.toISOString() })) }, 'cohort schedules started');
    }
  }
  return {
    service,
    ...(scheduler ? { scheduler } : {}),
    close: async () => {
      scheduler?.stop();
      await service.close();
      await redis?.quit();
    },
  };
}
