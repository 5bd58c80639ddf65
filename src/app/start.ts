import type { Server } from 'node:http';
import path from 'node:path';
import { defaultSeed, type Config } from '../config';
import { createApp } from '../http/create-app';
import type { Logger } from '../log';
import { loadCatalog, type Catalog } from '../mapping/compile';
import { FileReportStore } from '../report/store';
import { createFhirServer, loadFhirFiles, type RunningFhirServer } from '../server';
import { fhirPorts, type FhirPorts } from './fhir-ports';

export interface RunningService {
  url: string;
  fhirBaseUrl: string;
  embeddedFhir?: RunningFhirServer;
  catalog: Catalog;
  ports: FhirPorts;
  close(): Promise<void>;
}

/** Starts the embedded FHIR server seeded with the demo data; the caller says what to load. */
export async function startEmbeddedFhir(seed: string[], log: Logger, port = 0, host = '127.0.0.1'): Promise<RunningFhirServer> {
  const fhir = createFhirServer();
  const summary = await loadFhirFiles(fhir, seed);
  const running = await fhir.listen(port, host);
  log.info({ resources: summary.resources, files: summary.files.length, missing: summary.missing }, 'embedded FHIR server seeded');
  return running;
}

/**
 * Composition root shared by `npm start` and tests: config in, a listening service out.
 * Fails fast (mappings, config) before anything listens.
 */
export async function startService(config: Config, log: Logger): Promise<RunningService> {
  const catalog = loadCatalog(config.ELIGO_MAPPINGS_DIR);
  let embeddedFhir: RunningFhirServer | undefined;
  let fhirBaseUrl = config.ELIGO_FHIR_BASE_URL;
  if (!fhirBaseUrl) {
    const seed = config.ELIGO_SEED ? config.ELIGO_SEED.split(',').map((p) => p.trim()).filter(Boolean) : defaultSeed();
    embeddedFhir = await startEmbeddedFhir(seed, log, config.ELIGO_EMBEDDED_FHIR_PORT, config.ELIGO_HOST);
    fhirBaseUrl = embeddedFhir.baseUrl;
  }
  const ports = fhirPorts({
    baseUrl: fhirBaseUrl,
    timeoutMs: config.ELIGO_FHIR_TIMEOUT_MS,
    retries: config.ELIGO_FHIR_RETRIES,
    ...(config.ELIGO_FHIR_TOKEN ? { bearerToken: config.ELIGO_FHIR_TOKEN } : {}),
  });
  const reports = new FileReportStore(path.resolve(config.ELIGO_DATA_DIR, 'reports'));
  const app = createApp({
    catalog,
    reports,
    source: ports.source,
    ...(config.ELIGO_WRITE_BACK ? { writer: ports.writer } : {}),
    now: () => new Date(),
    log,
  });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.ELIGO_PORT, config.ELIGO_HOST, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.ELIGO_PORT;
  const url = config.ELIGO_PUBLIC_URL ?? `http://${config.ELIGO_HOST === '0.0.0.0' ? 'localhost' : config.ELIGO_HOST}:${port}`;
  return {
    url,
    fhirBaseUrl,
    ...(embeddedFhir ? { embeddedFhir } : {}),
    catalog,
    ports,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await embeddedFhir?.close();
    },
  };
}
