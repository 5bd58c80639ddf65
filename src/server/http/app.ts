import express from 'express';
import type { ErrorRequestHandler, Express, Request, RequestHandler, Response } from 'express';
import type { FhirRequest, FhirRouter, HttpMethod } from '@medplum/fhir-router';
import type { CapabilityStatement, Resource } from '@medplum/fhirtypes';
import { buildCapabilityStatement } from '../capability-statement';
import { badRequestError, notSupportedError, tooLargeOutcome, toOperationOutcome } from '../outcomes';
import { EmbeddedRepository } from '../repository';
import type { ResourceStore } from '../store/resource-store';
import { normaliseIfMatch, resolveConditionalUpdate } from './preconditions';
import { sendOutcome, sendResult } from './responses';
import type { SerialQueue } from './serial-queue';

export interface FhirAppSettings {
  store: ResourceStore;
  router: FhirRouter;
  queue: SerialQueue;
  basePath: string;
  /** Like HAPI's server_address: the base URL links use, whatever Host the client sent. */
  publicBaseUrl?: string;
  validate: boolean;
  defaultCount: number;
  maxCount: number;
  batch: boolean;
  transaction: boolean;
  softwareVersion: string;
  /** Express handlers run before FHIR handling (development hooks, request logging). */
  middleware: RequestHandler[];
  /** Advertised in the CapabilityStatement (Bulk Data $export when it is on). */
  instantiates?: readonly string[];
  operations?: readonly { type: string; name: string; definition: string }[];
}

const JSON_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json'];
const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);

/** The embedded FHIR server's HTTP edge: FHIR JSON in and out, OperationOutcome for every error. */
export function createFhirApp(settings: FhirAppSettings): Express {
  const app = express();
  app.disable('x-powered-by');
  const startedAt = new Date().toISOString();
  const capabilityCache = new Map<string, CapabilityStatement>();

  const fhir = express.Router();
  fhir.use(express.json({ type: JSON_TYPES, limit: '100mb' }));
  fhir.use(express.urlencoded({ extended: false, type: 'application/x-www-form-urlencoded' }));
  for (const handler of settings.middleware) fhir.use(handler);

  fhir.get('/metadata', (req, res) => {
    const baseUrl = baseUrlOf(req, settings.publicBaseUrl);
    let statement = capabilityCache.get(baseUrl);
    if (!statement) {
      statement = buildCapabilityStatement({ ...settings, baseUrl, startedAt });
      capabilityCache.set(baseUrl, statement);
    }
    sendResult(res, baseUrl, { resourceType: 'OperationOutcome', id: 'ok', issue: [] }, statement, undefined);
  });

  fhir.use((req, res) => handle(req, res, settings));
  fhir.use(errorHandler);
  app.use(settings.basePath, fhir);
  app.use((_req, res) => sendOutcome(res, toOperationOutcome(notSupportedError(`nothing here; the FHIR base is ${settings.basePath}`))));
  return app;
}

async function handle(req: Request, res: Response, settings: FhirAppSettings): Promise<void> {
  const baseUrl = baseUrlOf(req, settings.publicBaseUrl);
  try {
    assertJsonAccepted(req);
    if (!METHODS.has(req.method)) throw notSupportedError(`${req.method} is not supported`);
    const method = req.method as HttpMethod;
    const path = req.path.replace(/^\/+|\/+$/g, '');
    const queryStart = req.originalUrl.indexOf('?');
    const search = queryStart >= 0 ? req.originalUrl.slice(queryStart + 1) : '';
    const isSearchPost = method === 'POST' && path.endsWith('/_search');
    if ((method === 'POST' || method === 'PUT') && !isSearchPost && !req.is(JSON_TYPES)) {
      throw badRequestError('send FHIR JSON (Content-Type: application/fhir+json)');
    }
    assertBundleTypeAllowed(method, path, req.body as unknown, settings);

    const repo = new EmbeddedRepository(settings.store, {
      baseUrl: () => baseUrl,
      validate: settings.validate,
      defaultCount: settings.defaultCount,
      maxCount: settings.maxCount,
    });
    const ifMatch = normaliseIfMatch(req.get('if-match'));
    const run = async (): Promise<void> => {
      let url = search ? `${path}?${search}` : path;
      let body = req.body as unknown;
      if (method === 'PUT' && ifMatch !== undefined && search && !path.includes('/')) {
        ({ url, body } = await resolveConditionalUpdate(repo, path, search, body));
      }
      const fhirRequest: FhirRequest = {
        method,
        url,
        pathname: '',
        params: {},
        query: {},
        body,
        headers: { ...req.headers, ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) },
        config: { transactions: true },
      };
      const [outcome, resource] = await settings.router.handleRequest(fhirRequest, repo);
      sendResult(res, baseUrl, outcome, resource as Resource | undefined, req.get('prefer'));
    };
    await (isWrite(method, path, req.body) ? settings.queue.run(run) : run());
  } catch (error) {
    sendOutcome(res, toOperationOutcome(error));
  }
}

/** The server's base URL as clients see it: the configured public one, else the request's host and mount path. */
export function baseUrlOf(req: Request, publicBaseUrl: string | undefined): string {
  if (publicBaseUrl) return publicBaseUrl.replace(/\/+$/, '');
  return `${req.protocol}://${req.get('host') ?? 'localhost'}${req.baseUrl}`;
}

function assertJsonAccepted(req: Request): void {
  const format = req.query._format;
  if (typeof format === 'string' && !/json/i.test(format)) throw notSupportedError('only JSON is supported (_format)');
  const accept = req.get('accept');
  if (accept && !/json|\*\/\*/i.test(accept)) throw notSupportedError('only FHIR JSON is supported (Accept)');
}

function assertBundleTypeAllowed(method: HttpMethod, path: string, body: unknown, settings: FhirAppSettings): void {
  if (method !== 'POST' || path !== '') return;
  const type = (body as { type?: unknown } | undefined)?.type;
  if (type === 'batch' && !settings.batch) throw notSupportedError('batch is switched off on this server');
  if (type === 'transaction' && !settings.transaction) throw notSupportedError('transaction is switched off on this server');
}

/** Everything but reads and searches (including a batch made only of GETs) goes through the write queue. */
function isWrite(method: HttpMethod, path: string, body: unknown): boolean {
  if (method === 'GET') return false;
  if (method === 'POST' && path.endsWith('/_search')) return false;
  if (method === 'POST' && path === '') {
    const bundle = body as { type?: unknown; entry?: { request?: { method?: unknown } }[] } | undefined;
    return !(bundle?.type === 'batch' && (bundle.entry ?? []).every((e) => e.request?.method === 'GET'));
  }
  return true;
}

const errorHandler: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
  const status = (error as { status?: unknown }).status;
  if (status === 413) {
    sendOutcome(res, tooLargeOutcome(), 413);
  } else if (status === 400) {
    sendOutcome(res, toOperationOutcome(badRequestError('the request body is not valid JSON')));
  } else {
    sendOutcome(res, toOperationOutcome(error));
  }
};
