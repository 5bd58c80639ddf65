import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EligoError, isEligoError } from '../errors/eligo-error';
import { mapLimit } from '../fhir/concurrency';
import type { AccessTokenProvider } from '../fhir/http/access-token';
import { createBulkHttp } from './bulk-http';
import type { BulkHttp } from './bulk-http';
import { downloadFile, partPath } from './download';
import type { BulkEvent } from './events';
import { exportRequestSchema, recordCompleteness } from './export-request';
import type { ExportRequest } from './export-request';
import { readExportState, STATE_FILE, writeExportState } from './export-state';
import type { DownloadedFile, ExportState } from './export-state';
import { kickOff } from './kick-off';
import type { BulkManifest, ManifestFile } from './manifest';
import { pollUntilComplete } from './poll';
import { wait } from './wait';
import { assertSupported, detectBulkSupport } from './support';
import type { BulkSupport } from './support';

export interface BulkClientOptions {
  /** The FHIR base URL. */
  baseUrl: string;
  /** Access tokens (SMART Backend Services, or a fixed token); none when the server is open. */
  auth?: AccessTokenProvider;
  /** Per request until the response headers arrive. Default 30 000. */
  timeoutMs?: number;
  /** Attempts after the first for transient failures (kick-off, polls, each download). Default 3. */
  retries?: number;
  /** Default 500. */
  firstPollDelayMs?: number;
  /** Between polls when the server gives no Retry-After. Default 2 000. */
  pollDelayMs?: number;
  /** Default 120 000. */
  maxPollDelayMs?: number;
  /** Default 600 000. */
  maxRetryAfterMs?: number;
  /** Default 6 hours. */
  maxWaitMs?: number;
  /** Default 60 000. */
  downloadIdleTimeoutMs?: number;
  /** Files downloaded at once. Default 2. */
  downloadConcurrency?: number;
  onEvent?: (event: BulkEvent) => void;
}

export interface ExportOptions {
  /** Where the NDJSON files go: an empty folder, or one an earlier call with the same request used (it resumes). */
  outputDir: string;
  signal?: AbortSignal;
  /** DELETE the job once every file is downloaded, so the server frees them. Default true. */
  deleteAfterDownload?: boolean;
  /** Check the CapabilityStatement first. Default true. */
  checkSupport?: boolean;
}

export interface ExportedFile {
  type: string;
  path: string;
  count: number;
}

export interface BulkExportResult {
  /** The folder: readable by readPatientBundles (Bulk Data layout, one or more files per type). */
  folder: string;
  transactionTime: string;
  /** What to pass as `since` next time to get only what changed after this export. */
  nextSince: string;
  /** The kick-off URL the server recorded in the manifest. */
  request: string;
  files: ExportedFile[];
  /** OperationOutcome NDJSON files the server reported (kept in the folder's hidden `.errors`). */
  errorFiles: ExportedFile[];
  /** True when the files hold every resource screening reads for each exported patient. */
  completeRecords: boolean;
  /** Why the records are not complete (incremental, filtered or type-limited export). */
  partialReason?: string;
  /** Read back from an earlier finished download of the same request, without asking the server. */
  reused: boolean;
}

export interface BulkClient {
  readonly baseUrl: string;
  /** $export support per the CapabilityStatement (the runner falls back to searches when absent). */
  support(signal?: AbortSignal): Promise<BulkSupport>;
  /**
   * Kicks off (or resumes) an export, polls it to completion, downloads its files into
   * `outputDir` and returns them. Aborting the signal DELETEs the job on the server and empties
   * what this export wrote to the folder; the error is ERR_CANCELLED.
   */
  export(request: ExportRequest, options: ExportOptions): Promise<BulkExportResult>;
}

const ERRORS_FOLDER = '.errors';

export function createBulkClient(options: BulkClientOptions): BulkClient {
  const http = createBulkHttp({ baseUrl: options.baseUrl, timeoutMs: options.timeoutMs ?? 30_000, ...(options.auth ? { auth: options.auth } : {}) });
  const retries = Math.max(0, Math.floor(options.retries ?? 3));
  const onEvent = options.onEvent ?? ((): void => undefined);
  const pollSettings = {
    firstPollDelayMs: options.firstPollDelayMs ?? 500,
    pollDelayMs: options.pollDelayMs ?? 2000,
    maxPollDelayMs: options.maxPollDelayMs ?? 120_000,
    maxRetryAfterMs: options.maxRetryAfterMs ?? 600_000,
    maxWaitMs: options.maxWaitMs ?? 6 * 60 * 60 * 1000,
    retries,
  };
  const kickOffSettings = { retries, backoffMs: 1000, maxRetryAfterMs: pollSettings.maxRetryAfterMs };
  const downloadSettings = { idleTimeoutMs: options.downloadIdleTimeoutMs ?? 60_000 };
  const concurrency = Math.max(1, Math.floor(options.downloadConcurrency ?? 2));

  const runExport = async (request: ExportRequest, exportOptions: ExportOptions): Promise<BulkExportResult> => {
    const { outputDir, signal } = exportOptions;
    const key = JSON.stringify({ baseUrl: http.baseUrl, request });
    let state = await openFolder(outputDir, key);
    if (state.finishedAt && state.manifest) {
      onEvent({ type: 'resume', from: 'finished' });
      return resultOf(outputDir, request, state, true);
    }
    if (exportOptions.checkSupport !== false && !state.statusUrl) assertSupported(await detectBulkSupport(http, signal), request.level.kind, http.shownBase);
    // Saves run one after another so the file on disk is always the latest state (downloads finish concurrently).
    let saving: Promise<void> = Promise.resolve();
    const save = (next: ExportState): Promise<void> => {
      state = next;
      saving = saving.catch(() => undefined).then(() => writeExportState(outputDir, next));
      return saving;
    };

    try {
      for (let fresh = 0; ; fresh++) {
        try {
          if (!state.statusUrl) {
            await save({ ...state, statusUrl: await kickOff(http, request, kickOffSettings, signal, onEvent) });
          } else if (!state.manifest) {
            onEvent({ type: 'resume', from: 'status' });
          }
          const statusUrl = state.statusUrl as string;
          if (!state.manifest) await save({ ...state, manifest: await pollUntilComplete(http, statusUrl, pollSettings, signal, onEvent) });
          else onEvent({ type: 'resume', from: 'manifest' });
          await downloadAll(http, state, outputDir, signal, async (url, file) => save({ ...state, downloaded: { ...state.downloaded, [url]: file } }));
          break;
        } catch (error) {
          // The job vanished (expired, server restarted) before everything was downloaded: export again, once.
          if (!isEligoError(error, 'ERR_NOT_FOUND') || !state.statusUrl || fresh > 0) throw error;
          await clearFolder(outputDir, state);
          state = { version: 1, key, downloaded: {} };
          await save(state);
        }
      }
    } catch (error) {
      if (isEligoError(error, 'ERR_CANCELLED')) {
        const deleted = state.statusUrl ? await deleteJob(http, state.statusUrl) : false;
        await clearFolder(outputDir, state);
        await rm(join(outputDir, STATE_FILE), { force: true });
        onEvent({ type: 'cancel', deleted });
      }
      throw error;
    }
    if (exportOptions.deleteAfterDownload !== false && state.statusUrl) await deleteJob(http, state.statusUrl);
    await save({ ...state, finishedAt: new Date().toISOString() });
    return resultOf(outputDir, request, state, false);
  };

  const downloadAll = async (
    client: BulkHttp,
    state: ExportState,
    folder: string,
    signal: AbortSignal | undefined,
    record: (url: string, file: DownloadedFile) => Promise<void>,
  ): Promise<void> => {
    const manifest = state.manifest as BulkManifest;
    const plan = localNames(manifest);
    const pending = plan.filter((p) => !state.downloaded[p.file.url]);
    if (pending.some((p) => p.error)) await mkdir(join(folder, ERRORS_FOLDER), { recursive: true });
    await mapLimit(pending, concurrency, async ({ file, name, error }) => {
        const target = join(folder, error ? ERRORS_FOLDER : '', name);
        const downloaded = await withRetries(retries, pollSettings.maxRetryAfterMs, signal, onEvent, () =>
          downloadFile(client, file.url, target, manifest.requiresAccessToken, downloadSettings, signal),
        );
        if (file.count !== undefined && downloaded.lines !== file.count) {
          throw new EligoError(
            'ERR_FHIR_REQUEST_FAILED',
            `the export file for ${file.type} holds ${downloaded.lines} resources but the manifest says ${file.count}; nothing is screened from a short file`,
            { where: client.shownBase },
          );
        }
        onEvent({ type: 'download', fileType: file.type, bytes: downloaded.bytes, resumedFromByte: downloaded.resumedFromByte });
        await record(file.url, { type: file.type, path: target, count: downloaded.lines, error });
    });
  };

  return {
    baseUrl: http.baseUrl,
    support: (signal) => detectBulkSupport(http, signal),
    export: async (request, exportOptions) => {
      const parsed = exportRequestSchema.safeParse(request);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new EligoError('ERR_ARGUMENT_INVALID', `the Bulk Data export request is not valid: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(), { where: 'export' });
      }
      return runExport(parsed.data, exportOptions);
    },
  };
}

/** Local names from the manifest's types (never the server's URLs): Observation.1.ndjson, Observation.2.ndjson ... */
function localNames(manifest: BulkManifest): { file: ManifestFile; name: string; error: boolean }[] {
  const seen = new Map<string, number>();
  const name = (file: ManifestFile, error: boolean): string => {
    const key = `${error ? 'e' : 'o'}:${file.type}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return `${file.type}.${n}.ndjson`;
  };
  return [...manifest.output.map((file) => ({ file, name: name(file, false), error: false })), ...manifest.error.map((file) => ({ file, name: name(file, true), error: true }))];
}

async function openFolder(folder: string, key: string): Promise<ExportState> {
  await mkdir(folder, { recursive: true });
  const state = await readExportState(folder);
  if (state) {
    if (state.key !== key) {
      throw new EligoError('ERR_ARGUMENT_INVALID', `${folder} holds another Bulk Data export (other server or parameters); use an empty folder`, { where: folder });
    }
    return state;
  }
  const visible = (await readdir(folder)).filter((name) => !name.startsWith('.'));
  if (visible.length > 0) {
    // Other NDJSON in the folder would be read as part of the export.
    throw new EligoError('ERR_ARGUMENT_INVALID', `${folder} is not empty; Bulk Data files go to an empty folder`, { where: folder });
  }
  const fresh: ExportState = { version: 1, key, downloaded: {} };
  await writeExportState(folder, fresh);
  return fresh;
}

/** Removes what this export wrote (downloaded and partial files), nothing else. */
async function clearFolder(folder: string, state: ExportState): Promise<void> {
  for (const file of Object.values(state.downloaded)) await rm(file.path, { force: true });
  if (state.manifest) {
    for (const { name, error } of localNames(state.manifest)) await rm(partPath(join(folder, error ? ERRORS_FOLDER : '', name)), { force: true });
  }
}

/** Best effort: the job may already be gone; a failure here never hides the result or the cancellation. */
async function deleteJob(http: BulkHttp, statusUrl: string): Promise<boolean> {
  try {
    const response = await http.send({ method: 'DELETE', url: statusUrl, withToken: true });
    await response.body?.cancel();
    return response.status >= 200 && response.status < 300;
  } catch {
    return false;
  }
}

/** Retries transient download failures: as long as the server asked (429/503 with a wait header, capped), else a doubling backoff. */
async function withRetries<T>(retries: number, maxRetryAfterMs: number, signal: AbortSignal | undefined, onEvent: (event: BulkEvent) => void, work: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isEligoError(error, 'ERR_FHIR_UNAVAILABLE') || attempt >= retries || signal?.aborted) throw error;
      const askedMs = error.retryAfterSeconds === undefined ? undefined : error.retryAfterSeconds * 1000;
      const waitMs = askedMs === undefined ? 500 * 2 ** attempt : Math.min(askedMs, maxRetryAfterMs);
      onEvent({ type: 'download-retry', attempt: attempt + 1, waitMs, ...(askedMs === undefined ? {} : { serverAskedMs: askedMs }) });
      await wait(waitMs, signal);
    }
  }
}

function resultOf(folder: string, request: ExportRequest, state: ExportState, reused: boolean): BulkExportResult {
  const manifest = state.manifest as BulkManifest;
  const files = Object.values(state.downloaded);
  const completeness = recordCompleteness(request);
  const byPath = (a: ExportedFile, b: ExportedFile): number => a.path.localeCompare(b.path, 'en', { numeric: true });
  return {
    folder,
    transactionTime: manifest.transactionTime,
    nextSince: manifest.transactionTime,
    request: manifest.request,
    files: files.filter((f) => !f.error).map(({ type, path, count }) => ({ type, path, count })).sort(byPath),
    errorFiles: files.filter((f) => f.error).map(({ type, path, count }) => ({ type, path, count })).sort(byPath),
    completeRecords: completeness.complete,
    ...(completeness.complete ? {} : { partialReason: completeness.reason }),
    reused,
  };
}
