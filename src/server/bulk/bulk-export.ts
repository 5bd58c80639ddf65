import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OperationOutcome } from '@medplum/fhirtypes';
import type { Request, RequestHandler, Response } from 'express';
import { sendOutcome } from '../http/responses';
import { badRequestError, notFoundError, notSupportedError, toOperationOutcome } from '../outcomes';
import type { RawQuery } from '../search/parse-query';
import type { ResourceStore } from '../store/resource-store';
import { assertScopesAllow, createTokenCheck } from './access-token';
import type { AccessTokenRequirement, TokenCheck, TokenHolder } from './access-token';
import { tooManyRequestsError } from '../outcomes';
import { runExportJob } from './export-job';
import type { ExportJob, JobSettings } from './export-job';
import { parseExportParameters } from './export-parameters';
import type { ExportScope } from './export-scope';
import { versionAt } from './point-in-time';
import { smartConfiguration } from './smart-configuration';
import { baseUrlOf } from '../http/app';
// The client's manifest type: the server writes what the client reads.
import type { BulkManifest, ManifestFile } from '../../bulk/manifest';

export interface BulkExportOptions {
  /** Where job folders are made. Default: the system temp folder. */
  workDir?: string;
  /** Retry-After (seconds) while a job runs. Default 2. */
  retryAfterSeconds?: number;
  /** A status poll sooner than this after the previous one gets 429. Default: half of Retry-After. */
  minPollIntervalMs?: number;
  /** Jobs running at once; more kick-offs get 429. Default 2. */
  maxConcurrentJobs?: number;
  /** Resources per NDJSON file before a new part starts. Default 100 000. */
  maxResourcesPerFile?: number;
  /** How long a finished job's files stay downloadable. Default 1 hour. */
  retentionMs?: number;
  /** Pause after each exported patient. Default 0. */
  pauseMsPerPatient?: number;
  /** Require SMART Backend Services access tokens for every $export endpoint. */
  accessToken?: AccessTokenRequirement;
}

export interface BulkExport {
  /** Express middleware for the FHIR router: answers the $export endpoints, passes everything else on. */
  handler: RequestHandler;
  /** Stops running jobs and deletes every job's files. */
  close(): Promise<void>;
}

/** What the CapabilityStatement says about $export (Bulk Data IG 2.0). */
export const BULK_CAPABILITY = {
  instantiates: ['http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data'],
  operations: [
    { type: 'Patient', name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export' },
    { type: 'Group', name: 'export', definition: 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition/group-export' },
  ],
} as const;

const NDJSON = 'application/fhir+ndjson';
const FILE_NAME = /^[A-Z][A-Za-z]+\.\d+\.ndjson$/;

type Route =
  | { kind: 'kick-off'; scope: ExportScope }
  | { kind: 'status'; jobId: string }
  | { kind: 'file'; jobId: string; name: string }
  | { kind: 'smart-configuration' };

/**
 * Bulk Data $export on the embedded server: Patient- and Group-level kick-off (POST with a
 * Parameters body, or GET), asynchronous jobs writing NDJSON to a temp folder, status polling
 * (202 with X-Progress and Retry-After, 429 when polled too fast, 200 with the manifest), file
 * downloads and DELETE to cancel. With `accessToken`, every endpoint wants a Bearer token from
 * the configured Backend Services authorization server, and only the client that started a job
 * may poll, download or delete it.
 */
export function createBulkExport(store: ResourceStore, options: BulkExportOptions & { publicBaseUrl?: string } = {}): BulkExport {
  const retryAfterSeconds = Math.max(1, Math.ceil(options.retryAfterSeconds ?? 2));
  const minPollIntervalMs = options.minPollIntervalMs ?? (retryAfterSeconds * 1000) / 2;
  const maxConcurrentJobs = options.maxConcurrentJobs ?? 2;
  const retentionMs = options.retentionMs ?? 60 * 60 * 1000;
  const settings: JobSettings = { maxResourcesPerFile: options.maxResourcesPerFile ?? 100_000, pauseMsPerPatient: options.pauseMsPerPatient ?? 0 };
  const checkToken: TokenCheck | undefined = options.accessToken ? createTokenCheck(options.accessToken) : undefined;
  const jobs = new Map<string, ExportJob>();
  const running = new Set<Promise<void>>();
  const expiry = new Map<string, NodeJS.Timeout>();

  const authenticate = async (req: Request): Promise<TokenHolder | undefined> => (checkToken ? checkToken(req.get('authorization'), baseUrlOf(req, options.publicBaseUrl)) : undefined);

  const jobFor = async (req: Request, jobId: string): Promise<ExportJob> => {
    const holder = await authenticate(req);
    const job = jobs.get(jobId);
    // Another client's job answers like an unknown one: its existence is not theirs to learn.
    if (!job || (checkToken && job.owner !== holder?.client)) throw notFoundError(`no export job ${jobId} (finished jobs expire)`);
    return job;
  };

  const forget = async (job: ExportJob): Promise<void> => {
    jobs.delete(job.id);
    clearTimeout(expiry.get(job.id));
    expiry.delete(job.id);
    job.controller.abort();
    await rm(job.dir, { recursive: true, force: true });
  };

  const kickOff = async (req: Request, res: Response, scope: ExportScope): Promise<void> => {
    const holder = await authenticate(req);
    if (!/respond-async/i.test(req.get('prefer') ?? '')) throw badRequestError('$export needs the header "Prefer: respond-async"');
    const accept = req.get('accept');
    if (accept && !/json|\*\/\*/i.test(accept)) throw badRequestError('$export answers in application/fhir+json (Accept)');
    if (scope.kind === 'group' && !versionAt(store, 'Group', scope.groupId, Date.now())) throw notFoundError(`Group/${scope.groupId} is not known`);
    const parameters = parseExportParameters(req.query as RawQuery, req.method === 'POST' ? req.body : undefined);
    if (holder) assertScopesAllow(holder, parameters.types);
    const active = [...jobs.values()].filter((j) => j.status === 'in-progress').length;
    if (active >= maxConcurrentJobs) {
      res.set('Retry-After', String(retryAfterSeconds * 5));
      throw tooManyRequestsError(`${active} exports are running; try again later`);
    }
    const job: ExportJob = {
      id: randomUUID(),
      owner: holder?.client,
      requestUrl: `${baseUrlOf(req, options.publicBaseUrl)}${req.url}`,
      transactionTime: new Date().toISOString(),
      dir: await mkdtemp(join(options.workDir ?? tmpdir(), 'eligo-export-')),
      controller: new AbortController(),
      status: 'in-progress',
      patientsDone: 0,
      patientsTotal: undefined,
      output: [],
      errors: [],
    };
    jobs.set(job.id, job);
    const run = runExportJob(store, job, scope, parameters, settings)
      .catch((error: unknown) => {
        job.status = 'failed';
        job.failure = toOperationOutcome(error);
      })
      .finally(() => {
        running.delete(run);
        if (jobs.has(job.id)) expiry.set(job.id, setTimeout(() => void forget(job).catch(() => undefined), retentionMs).unref());
      });
    running.add(run);
    res.status(202).set('Content-Location', `${baseUrlOf(req, options.publicBaseUrl)}/$export-status/${job.id}`).type('application/fhir+json');
    res.send(JSON.stringify(information(`export ${job.id} started; poll the Content-Location`)));
  };

  const status = async (req: Request, res: Response, jobId: string): Promise<void> => {
    const job = await jobFor(req, jobId);
    if (req.method === 'DELETE') {
      await forget(job);
      res.status(202).type('application/fhir+json').send(JSON.stringify(information(`export ${job.id} cancelled and its files deleted`)));
      return;
    }
    if (req.method !== 'GET') throw notSupportedError(`${req.method} is not supported on an export status URL`);
    switch (job.status) {
      case 'in-progress': {
        const now = Date.now();
        const sinceLast = job.lastPollMs === undefined ? Infinity : now - job.lastPollMs;
        if (sinceLast < minPollIntervalMs) {
          res.set('Retry-After', String(retryAfterSeconds));
          throw tooManyRequestsError(`polled ${Math.round(sinceLast)} ms after the previous poll; honour Retry-After`);
        }
        job.lastPollMs = now;
        const total = job.patientsTotal;
        const progress = total === undefined ? 'starting' : `${total === 0 ? 100 : Math.floor((100 * job.patientsDone) / total)}% (${job.patientsDone} of ${total} patients)`;
        res.status(202).set({ 'X-Progress': progress, 'Retry-After': String(retryAfterSeconds) }).end();
        return;
      }
      case 'failed':
        sendOutcome(res, job.failure ?? information('the export failed'), 500);
        return;
      case 'completed': {
        const base = `${baseUrlOf(req, options.publicBaseUrl)}/$export-file/${job.id}`;
        res.status(200).type('application/json');
        res.set('Expires', new Date((job.finishedMs ?? Date.now()) + retentionMs).toUTCString());
        const toFile = (f: { type: string; name: string; count: number }): ManifestFile => ({ type: f.type, url: `${base}/${f.name}`, count: f.count });
        const manifest = {
          transactionTime: job.transactionTime,
          request: job.requestUrl,
          requiresAccessToken: checkToken !== undefined,
          output: job.output.map(toFile),
          error: job.errors.map(toFile),
        } satisfies BulkManifest;
        res.send(JSON.stringify(manifest));
        return;
      }
    }
  };

  const file = async (req: Request, res: Response, jobId: string, name: string): Promise<void> => {
    const job = await jobFor(req, jobId);
    const known = job.status === 'completed' && FILE_NAME.test(name) && [...job.output, ...job.errors].some((f) => f.name === name);
    if (!known) throw notFoundError(`export ${jobId} has no file ${name}`);
    res.type(NDJSON);
    await new Promise<void>((resolve, reject) => res.sendFile(join(job.dir, name), (error?: Error) => (error && !res.headersSent ? reject(error) : resolve())));
  };

  const handler: RequestHandler = (req, res, next) => {
    const route = routeOf(req);
    if (!route) {
      next();
      return;
    }
    const work = async (): Promise<void> => {
      switch (route.kind) {
        case 'kick-off':
          if (req.method !== 'GET' && req.method !== 'POST') throw notSupportedError(`$export is started with POST (or GET), not ${req.method}`);
          return kickOff(req, res, route.scope);
        case 'status':
          return status(req, res, route.jobId);
        case 'file':
          if (req.method !== 'GET') throw notSupportedError(`export files are read with GET, not ${req.method}`);
          return file(req, res, route.jobId, route.name);
        case 'smart-configuration':
          if (!options.accessToken?.tokenEndpoint) throw notFoundError('no authorization server is configured');
          res.type('application/json').send(JSON.stringify(smartConfiguration(options.accessToken)));
          return;
      }
    };
    work().catch((error: unknown) => {
      if (res.headersSent) {
        // A file download that broke off midway: nothing more can be said to this client.
        res.destroy();
        return;
      }
      const outcome = toOperationOutcome(error);
      if (outcome.id === 'unauthorized') res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      sendOutcome(res, outcome);
    });
  };

  return {
    handler,
    close: async () => {
      for (const job of [...jobs.values()]) await forget(job);
      await Promise.all([...running]);
    },
  };
}

function routeOf(req: Request): Route | undefined {
  let segments: string[];
  try {
    segments = req.path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
  const [first, second, third] = segments;
  if (segments.length === 2 && first === 'Patient' && second === '$export') return { kind: 'kick-off', scope: { kind: 'patient' } };
  if (segments.length === 3 && first === 'Group' && second && third === '$export') return { kind: 'kick-off', scope: { kind: 'group', groupId: second } };
  if (segments.length === 2 && first === '$export-status' && second) return { kind: 'status', jobId: second };
  if (segments.length === 3 && first === '$export-file' && second && third) return { kind: 'file', jobId: second, name: third };
  if (segments.length === 2 && first === '.well-known' && second === 'smart-configuration' && req.method === 'GET') return { kind: 'smart-configuration' };
  return undefined;
}

function information(text: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', details: { text } }] };
}
