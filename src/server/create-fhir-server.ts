import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express, RequestHandler } from 'express';
import { BULK_CAPABILITY, createBulkExport } from './bulk';
import type { BulkExportOptions } from './bulk';
import { loadFhirDefinitions } from './definitions';
import { createFhirApp } from './http/app';
import { SerialQueue } from './http/serial-queue';
import { loadResources } from './loader/load-resources';
import type { LoadInput, LoadOptions, LoadResult } from './loader/load-resources';
import { EmbeddedRepository } from './repository';
import { createEmbeddedRouter } from './router';
import { ResourceStore } from './store/resource-store';

export interface FhirServerOptions {
  /** Where the FHIR API is mounted. Default "/fhir". */
  basePath?: string;
  /** Base URL for links and fullUrls regardless of the Host header (HAPI's server_address). */
  publicBaseUrl?: string;
  /** Check created and updated resources against the R4 definitions (400 on structural errors). Default true. */
  validateWrites?: boolean;
  /** Page size when the client sends no _count. Default 20 (HAPI's). */
  defaultPageSize?: number;
  /** Largest page served; larger _count values are capped and paged. Default 1000. */
  maxPageSize?: number;
  /** Switch batch or transaction off (and out of the CapabilityStatement) to exercise client fallbacks. */
  batch?: boolean;
  transaction?: boolean;
  softwareVersion?: string;
  /** Express handlers run before FHIR handling, inside the base path. */
  middleware?: RequestHandler[];
  /** Bulk Data $export (Patient and Group level), advertised in the CapabilityStatement. Off when absent. */
  bulkExport?: BulkExportOptions;
}

export interface RunningFhirServer {
  baseUrl: string;
  close(): Promise<void>;
}

export interface FhirServer {
  app: Express;
  /** In-process access to the same data (medplum FhirRepository API). Writes here bypass the HTTP write queue. */
  repo: EmbeddedRepository;
  /** Seeds resources, a Bundle (transaction/batch with urn:uuid references, collection, searchset) or an array. */
  load(input: LoadInput, options?: LoadOptions): Promise<LoadResult>;
  /** Starts listening; port 0 (the default) picks a free port. Only 127.0.0.1 unless a host is given. */
  listen(port?: number, host?: string): Promise<RunningFhirServer>;
}

/**
 * An in-process FHIR R4 server for development and tests: @medplum/fhir-router's REST semantics
 * over an indexed in-memory store, behind express. Nothing persists across restarts.
 */
export function createFhirServer(options: FhirServerOptions = {}): FhirServer {
  loadFhirDefinitions();
  const basePath = normaliseBasePath(options.basePath ?? '/fhir');
  const store = new ResourceStore();
  const router = createEmbeddedRouter();
  const queue = new SerialQueue();
  const defaultCount = options.defaultPageSize ?? 20;
  const maxCount = options.maxPageSize ?? 1000;
  let knownBaseUrl = options.publicBaseUrl ?? `http://localhost${basePath}`;

  const repository = (validate: boolean): EmbeddedRepository =>
    new EmbeddedRepository(store, { baseUrl: () => knownBaseUrl, validate, defaultCount, maxCount });

  const bulk = options.bulkExport
    ? createBulkExport(store, { ...options.bulkExport, ...(options.publicBaseUrl === undefined ? {} : { publicBaseUrl: options.publicBaseUrl }) })
    : undefined;

  const app = createFhirApp({
    store,
    router,
    queue,
    basePath,
    ...(options.publicBaseUrl === undefined ? {} : { publicBaseUrl: options.publicBaseUrl }),
    validate: options.validateWrites ?? true,
    defaultCount,
    maxCount,
    batch: options.batch ?? true,
    transaction: options.transaction ?? true,
    softwareVersion: options.softwareVersion ?? 'dev',
    middleware: [...(options.middleware ?? []), ...(bulk ? [bulk.handler] : [])],
    ...(bulk ? BULK_CAPABILITY : {}),
  });

  return {
    app,
    repo: repository(options.validateWrites ?? true),
    load: (input, loadOptions) =>
      queue.run(() => loadResources({ store, router, seedRepository: () => repository(false) }, input, loadOptions)),
    listen: async (port = 0, host = '127.0.0.1') => {
      const server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
      });
      const address = server.address() as AddressInfo;
      const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      const baseUrl = options.publicBaseUrl ?? `http://${urlHost}:${address.port}${basePath}`;
      knownBaseUrl = baseUrl;
      return {
        baseUrl,
        close: async () => {
          await bulk?.close();
          await new Promise<void>((resolve, reject) => {
            server.close((error) => (error ? reject(error) : resolve()));
            // Keep-alive connections from clients would hold close() open.
            server.closeAllConnections();
          });
        },
      };
    },
  };
}

function normaliseBasePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}
