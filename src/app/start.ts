import type { Server } from 'node:http';
import path from 'node:path';
import { cdsConfigFromEnv } from '../cdshooks';
import { loadCohortConfig } from '../cohort';
import { seedPaths, type Config } from '../config';
import { Admission, DEFAULT_ADMISSION } from '../http/admission';
import { createApp } from '../http/create-app';
import { BundleScreeningPool } from '../workers/bundle-pool';
import type { Logger } from '../log';
import type { Catalog } from '../mapping/compile';
import { loadCatalogCached } from '../mapping/catalog-cache';
import { FileReportStore } from '../report/store';
import { SandboxFhirHooks, startSandbox, type RunningSandbox } from '../sandbox';
import { createFhirServer, loadFhirFiles, withStableIds, type RunningFhirServer } from '../server';
import { createSmartContext, parseSmartConfig, smartConfigFromEnv } from '../smart';
import { accessFromEnv } from './access';
import { createCohortRuntime, type CohortRuntime } from './cohort';
import { fhirPortsFromConfig, type FhirPorts } from './fhir-ports';

export interface RunningService {
  url: string;
  fhirBaseUrl: string;
  embeddedFhir?: RunningFhirServer;
  /** The local EHR (SMART authorization server and launcher), with the embedded FHIR server only. */
  sandbox?: RunningSandbox;
  catalog: Catalog;
  ports: FhirPorts;
  /** `npm start`'s one-off API key, when the demo made one (see accessFromEnv). */
  demoApiKey?: string;
  /** Cohort runs (API, schedules); runs cut short by a crash are resumed at start-up. */
  cohort: CohortRuntime;
  /** The embedded server's demo data: settled once every seed file is loaded (never rejects; see demoState). */
  demoReady?: Promise<void>;
  demoState?: () => DemoState;
  close(): Promise<void>;
}

/** Where the embedded server's demo data is, as /health tells it. */
export type DemoState = 'loading' | 'ready' | 'failed';

export interface StartOptions {
  /**
   * Listen before the embedded server is seeded, and seed it in the background (npm start):
   * the service answers at once, /health says `demo: "loading"` until the data is in.
   */
  seedInBackground?: boolean;
  /**
   * How the app gets its socket: by default it listens on the configured port; npm start takes
   * over the front process's socket instead (src/http/starting.ts).
   */
  serve?: (app: ReturnType<typeof createApp>, port: number, host: string) => Promise<Server>;
}

/**
 * Starts the embedded FHIR server seeded with the given files, with the same ids on every start
 * and Bulk Data $export; the sandbox hooks serve its SMART discovery.
 */
export async function startEmbeddedFhir(seed: readonly string[], log?: Logger, options: { port?: number; host?: string; hooks?: SandboxFhirHooks } = {}): Promise<RunningFhirServer> {
  const { running, seed: seeding } = await listenEmbeddedFhir(options);
  await seeding(seed, log);
  return running;
}

/** The embedded server listening empty, and how to seed it: loading Synthea takes seconds, and npm start does it after it answers. */
async function listenEmbeddedFhir(options: { port?: number; host?: string; hooks?: SandboxFhirHooks }): Promise<{ running: RunningFhirServer; seed: (seed: readonly string[], log?: Logger) => Promise<void> }> {
  const fhir = createFhirServer({ bulkExport: { retryAfterSeconds: 1 }, ...(options.hooks ? { middleware: [options.hooks.middleware] } : {}) });
  const running = await fhir.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    running,
    seed: async (seed, log) => {
      const summary = await loadFhirFiles({ load: (input, loadOptions) => fhir.load(withStableIds(input), loadOptions) }, seed);
      log?.info({ resources: summary.resources, files: summary.files.length, missing: summary.missing }, 'embedded FHIR server seeded');
    },
  };
}

async function listen(app: ReturnType<typeof createApp>, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = app.listen(port, host, () => resolve(s));
    s.once('error', reject);
  });
}

/**
 * Composition root shared by `npm start` and tests: config in, a listening service out.
 * Fails fast (mappings, config) before anything listens.
 */
export async function startService(config: Config, log: Logger, env: NodeJS.ProcessEnv = process.env, options: StartOptions = {}): Promise<RunningService> {
  // Through the on-disk cache (ELIGO_CACHE_DIR): a restart with unchanged mappings skips parsing the YAML.
  const catalog = loadCatalogCached(config.ELIGO_MAPPINGS_DIR);
  const cohortConfig = loadCohortConfig(env, new Set(catalog.trials.keys()));
  const publicUrl = config.ELIGO_PUBLIC_URL ?? `http://${config.ELIGO_HOST === '0.0.0.0' ? 'localhost' : config.ELIGO_HOST}:${config.ELIGO_PORT}`;
  let embeddedFhir: RunningFhirServer | undefined;
  let hooks: SandboxFhirHooks | undefined;
  let fhirBaseUrl = config.ELIGO_FHIR_BASE_URL;
  let seedLater: (() => Promise<void>) | undefined;
  if (!fhirBaseUrl) {
    const seed = seedPaths(config.ELIGO_SEED);
    // The sandbox's hooks serve .well-known/smart-configuration on the embedded server; reads stay open for the service itself.
    hooks = new SandboxFhirHooks();
    const embedded = await listenEmbeddedFhir({ port: config.ELIGO_EMBEDDED_FHIR_PORT, host: config.ELIGO_HOST, hooks });
    if (options.seedInBackground) seedLater = () => embedded.seed(seed, log);
    else await embedded.seed(seed, log);
    embeddedFhir = embedded.running;
    fhirBaseUrl = embeddedFhir.baseUrl;
  }
  let demoState: DemoState = seedLater ? 'loading' : 'ready';
  const fhirOptions = { timeoutMs: config.ELIGO_FHIR_TIMEOUT_MS, retries: config.ELIGO_FHIR_RETRIES };
  const ports = fhirPortsFromConfig(config, fhirBaseUrl, { open: embeddedFhir !== undefined });
  const dataDir = path.resolve(config.ELIGO_DATA_DIR);
  const reports = new FileReportStore(path.join(dataDir, 'reports'));
  const smartConfig =
    smartConfigFromEnv() ??
    parseSmartConfig({ appBaseUrl: publicUrl, clients: [{ iss: fhirBaseUrl, clientId: 'eligo' }], writeBack: config.ELIGO_WRITE_BACK });
  // Sessions hold access and refresh tokens: memory unless ELIGO_SMART_SESSION_DIR asks for files (docs/smart.md).
  const smart = createSmartContext(smartConfig, log);
  const now = (): Date => new Date();
  const bundlePool = new BundleScreeningPool(config.ELIGO_MAPPINGS_DIR);
  const access = accessFromEnv(env, { host: config.ELIGO_HOST, dataDir, demo: embeddedFhir !== undefined, log, now, publicUrl, fhirHttp: ports.fhir.http, auditToFhir: config.ELIGO_AUDIT_FHIR });
  const cds = cdsConfigFromEnv();
  // A run resumed on a half-seeded embedded server would screen part of the population: resumed once the data is in.
  const resumeAfterSeeding = seedLater !== undefined && cohortConfig.resumeOnStart;
  const cohort = createCohortRuntime({ config, cohortConfig: resumeAfterSeeding ? { ...cohortConfig, resumeOnStart: false } : cohortConfig, catalog, ports, reports, log }, { schedule: true });
  const app = createApp({
    catalog,
    reports,
    source: ports.source,
    ...(config.ELIGO_WRITE_BACK ? { writer: ports.writer } : {}),
    now,
    log,
    access: access.deps,
    admission: new Admission({
      maxActive: config.ELIGO_MAX_CONCURRENT_SCREENS,
      maxQueued: config.ELIGO_MAX_QUEUED_SCREENS,
      perCaller: config.ELIGO_MAX_SCREENS_PER_CALLER,
      retryAfterSeconds: DEFAULT_ADMISSION.retryAfterSeconds,
    }),
    maxBodyBytes: Math.round(config.ELIGO_MAX_BODY_MB * 1024 * 1024),
    bundlePool,
    smart,
    ...(cds ? { cds } : {}),
    cohort: cohort.service,
    fhirOptions,
    ...(embeddedFhir ? { health: () => ({ demo: demoState }) } : {}),
  });
  const server = await (options.serve ?? listen)(app, config.ELIGO_PORT, config.ELIGO_HOST);
  let sandbox: RunningSandbox | undefined;
  if (embeddedFhir && hooks) {
    sandbox = await startSandbox({ fhirBaseUrl, appBaseUrl: publicUrl, hooks, port: config.ELIGO_SANDBOX_PORT, host: config.ELIGO_HOST, log });
  }
  // Started only once everything listens, so the seeding's parsing never delays the first answer.
  const demoReady = seedLater?.().then(
    async () => {
      demoState = 'ready';
      if (!resumeAfterSeeding) return;
      try {
        const resumed = await cohort.service.resumeInterrupted();
        if (resumed.length > 0) log.info({ runs: resumed }, 'resumed interrupted cohort runs');
      } catch (error) {
        log.error({ err: error instanceof Error ? error.message : String(error) }, 'could not resume interrupted cohort runs');
      }
    },
    (error: unknown) => {
      demoState = 'failed';
      log.error({ err: error instanceof Error ? error.message : String(error) }, 'seeding the embedded FHIR server failed; it serves what was loaded');
    },
  );
  return {
    url: publicUrl,
    ...(embeddedFhir ? { demoReady: demoReady ?? Promise.resolve(), demoState: () => demoState } : {}),
    fhirBaseUrl,
    ...(embeddedFhir ? { embeddedFhir } : {}),
    ...(sandbox ? { sandbox } : {}),
    catalog,
    ports,
    cohort,
    ...(access.demoApiKey ? { demoApiKey: access.demoApiKey } : {}),
    close: async () => {
      await cohort.close();
      await sandbox?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await embeddedFhir?.close();
      await bundlePool.close();
      await access.deps.audit?.flush();
    },
  };
}
