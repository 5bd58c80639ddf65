import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { candidatesFromExport, createBulkClient } from '../../src/bulk';
import type { BulkEvent, BulkExportResult } from '../../src/bulk';
import { isEligoError } from '../../src/errors/eligo-error';
import { createFhirSource } from '../../src/fhir';
import { readPatientBundles } from '../../src/input';
import { getTrial, loadCatalog } from '../../src/mapping/compile';
import type { EligibilityReport } from '../../src/report/types';
import { screenResources } from '../../src/usecases/screen';
import { screenPatient } from '../../src/usecases/screen-patient';
import { startSeededServer } from './support';
import type { SeededServer } from './support';

const SCREENING = { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' };
const catalog = loadCatalog();

function collect(): { events: BulkEvent[]; onEvent: (event: BulkEvent) => void } {
  const events: BulkEvent[] = [];
  return { events, onEvent: (event) => events.push(event) };
}

function polls(events: readonly BulkEvent[]): Extract<BulkEvent, { type: 'poll' }>[] {
  return events.filter((e): e is Extract<BulkEvent, { type: 'poll' }> => e.type === 'poll');
}

function statusPolls(server: SeededServer): { status: number; at: number }[] {
  return server.requests.filter((r) => r.method === 'GET' && r.url.includes('$export-status/'));
}

/** What a report says, without the parts that name where the data came from. */
function verdict(report: EligibilityReport): unknown {
  return { outcome: report.outcome, criteria: report.criteria.map((c) => [c.id, c.status]) };
}

describe('the Bulk Data client', () => {
  let server: SeededServer;
  let slow: SeededServer;
  let noBulk: SeededServer;
  let postRefused: SeededServer;
  let folders: string;
  let n = 0;
  const folder = (): string => path.join(folders, `export-${++n}`);

  beforeAll(async () => {
    folders = await mkdtemp(path.join(tmpdir(), 'eligo-bulk-client-'));
    server = await startSeededServer({ synthea: 14, bulkExport: { retryAfterSeconds: 1 } });
    slow = await startSeededServer({ synthea: 4, bulkExport: { retryAfterSeconds: 1, minPollIntervalMs: 2500, pauseMsPerPatient: 300 } });
    noBulk = await startSeededServer({ synthea: 0 });
    // A server whose $export takes only GET: POST answers 405.
    const refusePost: RequestHandler = (req, res, next) => {
      if (req.method === 'POST' && req.path.endsWith('/$export')) res.status(405).json({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-supported' }] });
      else next();
    };
    postRefused = await startSeededServer({ synthea: 0, bulkExport: { retryAfterSeconds: 1 }, middleware: [refusePost] });
  });
  afterAll(async () => {
    for (const s of [server, slow, noBulk, postRefused]) await s.running.close();
    await rm(folders, { recursive: true, force: true });
  });

  it('downloads an export into a folder readPatientBundles reads, and gives the transactionTime as the next _since', async () => {
    const { events, onEvent } = collect();
    const client = createBulkClient({ baseUrl: server.base, firstPollDelayMs: 0, onEvent });
    const outputDir = folder();
    const result = await client.export({ level: { kind: 'patient' } }, { outputDir });
    expect(result.nextSince).toBe(result.transactionTime);
    expect(result.completeRecords).toBe(true);
    expect(result.files.find((f) => f.type === 'Observation')?.count).toBe(server.seeded.byType.Observation);
    expect(events.find((e) => e.type === 'kick-off')).toEqual({ type: 'kick-off', method: 'GET', status: 202 });
    const reader = readPatientBundles(outputDir);
    const patients: string[] = [];
    for await (const group of reader) patients.push(group.patientId);
    expect(reader.errors).toEqual([]);
    expect(patients).toHaveLength(server.seeded.byType.Patient ?? 0);
    // Done with the job: the client deleted it on the server.
    const statusUrl = server.requests.find((r) => r.method === 'DELETE')?.url;
    expect(statusUrl).toMatch(/\$export-status\//);
  });

  it('screens the exported NDJSON to the same outcomes as reading each patient from the server by id', async () => {
    const client = createBulkClient({ baseUrl: server.base, firstPollDelayMs: 0 });
    const result = await client.export({ level: { kind: 'patient' } }, { outputDir: folder() });
    const fhir = createFhirSource({ baseUrl: server.base });
    const source = { label: fhir.baseUrl, fetchPatientResources: (id: string) => fhir.fetchPatientResources(id) };
    const stream = candidatesFromExport(result);
    let compared = 0;
    for await (const candidate of stream.candidates) {
      expect(candidate.resources).toBeDefined();
      for (const trialId of ['sle-cart', 'ssc-cart']) {
        const trial = getTrial(catalog, trialId);
        const fromExport = screenResources(trial, candidate.resources ?? [], SCREENING);
        const byId = await screenPatient({ source }, trial, candidate.patientId, SCREENING);
        expect([candidate.patientId, trialId, verdict(fromExport)]).toEqual([candidate.patientId, trialId, verdict(byId.report)]);
      }
      compared++;
    }
    expect(compared).toBe(server.seeded.byType.Patient);
    expect(stream.total).toBe(server.seeded.byType.Patient);
    expect(stream.warnings).toEqual([]);
  });

  it('backs off when a poll gets 429, for as long as its Retry-After says, and then completes', async () => {
    const { events, onEvent } = collect();
    const client = createBulkClient({ baseUrl: slow.base, firstPollDelayMs: 0, onEvent });
    const before = statusPolls(slow).length;
    // This server wants 2.5 s between polls but says 1 s: the client is refused, waits as told, and gets through.
    await client.export({ level: { kind: 'patient' }, types: ['Patient'] }, { outputDir: folder() });
    const seen = polls(events);
    const throttled = seen.filter((p) => p.status === 429);
    expect(throttled.length).toBeGreaterThan(0);
    for (const poll of seen.filter((p) => p.status === 202 || p.status === 429)) expect(poll.waitMs).toBe(poll.retryAfterMs);
    expect(seen[seen.length - 1]?.status).toBe(200);
    expect(statusPolls(slow).slice(before).map((r) => r.status)).toEqual(seen.map((p) => p.status));
  });

  it('never polls sooner than Retry-After: on a server whose interval it matches, no poll is refused', async () => {
    const { events, onEvent } = collect();
    const relaxed = await startSeededServer({ synthea: 4, bulkExport: { retryAfterSeconds: 1, minPollIntervalMs: 900, pauseMsPerPatient: 200 } });
    try {
      const client = createBulkClient({ baseUrl: relaxed.base, firstPollDelayMs: 0, onEvent });
      await client.export({ level: { kind: 'patient' }, types: ['Patient'] }, { outputDir: folder() });
      const seen = polls(events);
      expect(seen.filter((p) => p.status === 202).length).toBeGreaterThan(0);
      expect(statusPolls(relaxed).map((r) => r.status)).not.toContain(429);
      for (const poll of seen.filter((p) => p.status === 202)) {
        expect(poll.retryAfterMs).toBe(1000);
        expect(poll.waitMs).toBe(1000);
        expect(poll.progress).toMatch(/patients|starting/);
      }
    } finally {
      await relaxed.running.close();
    }
  });

  it('reuses a finished download when asked again for the same export, without asking the server', async () => {
    const client = createBulkClient({ baseUrl: server.base, firstPollDelayMs: 0 });
    const outputDir = folder();
    const first = await client.export({ level: { kind: 'patient' }, types: ['Patient', 'Condition'] }, { outputDir });
    const requestsBefore = server.requests.length;
    const { events, onEvent } = collect();
    const again = await createBulkClient({ baseUrl: server.base, onEvent }).export({ level: { kind: 'patient' }, types: ['Patient', 'Condition'] }, { outputDir });
    expect(again.reused).toBe(true);
    expect(again.files).toEqual(first.files);
    expect(events).toEqual([{ type: 'resume', from: 'finished' }]);
    expect(server.requests.length).toBe(requestsBefore);
    await expect(client.export({ level: { kind: 'patient' }, types: ['Patient'] }, { outputDir })).rejects.toMatchObject({ code: 'ERR_ARGUMENT_INVALID' });
  });

  it('resumes an interrupted download where it stopped (HTTP Range), and only that file', async () => {
    const client = createBulkClient({ baseUrl: server.base, firstPollDelayMs: 0 });
    const outputDir = folder();
    const request = { level: { kind: 'patient' as const }, types: ['Patient', 'Observation'] };
    const first = await client.export(request, { outputDir, deleteAfterDownload: false });
    const observations = first.files.find((f) => f.type === 'Observation');
    if (!observations) throw new Error('no Observation file');
    const whole = await readFile(observations.path);
    // As a crash mid-download leaves it: the state not yet recording the file, a part file with its first half.
    const statePath = path.join(outputDir, '.eligo-bulk-export.json');
    const state = JSON.parse(await readFile(statePath, 'utf8'));
    const url = Object.keys(state.downloaded).find((u) => state.downloaded[u].type === 'Observation') as string;
    delete state.downloaded[url];
    delete state.finishedAt;
    await writeFile(statePath, JSON.stringify(state));
    await rm(observations.path);
    await writeFile(path.join(outputDir, `.${path.basename(observations.path)}.part`), whole.subarray(0, Math.floor(whole.length / 2)));

    const { events, onEvent } = collect();
    const resumed = await createBulkClient({ baseUrl: server.base, onEvent }).export(request, { outputDir });
    const downloads = events.filter((e) => e.type === 'download');
    expect(downloads).toEqual([{ type: 'download', fileType: 'Observation', bytes: whole.length, resumedFromByte: Math.floor(whole.length / 2) }]);
    expect(events.some((e) => e.type === 'kick-off')).toBe(false);
    expect((await readFile(observations.path)).equals(whole)).toBe(true);
    expect(resumed.files.map((f) => [f.type, f.count])).toEqual(first.files.map((f) => [f.type, f.count]));
  });

  it('cancels on abort: the job is deleted on the server and the folder is left empty', async () => {
    const controller = new AbortController();
    const client = createBulkClient({
      baseUrl: slow.base,
      firstPollDelayMs: 0,
      onEvent: (event) => {
        if (event.type === 'poll' && event.status === 202) controller.abort();
      },
    });
    const outputDir = folder();
    const error = await client.export({ level: { kind: 'patient' } }, { outputDir, signal: controller.signal }).catch((e: unknown) => e);
    expect(isEligoError(error, 'ERR_CANCELLED')).toBe(true);
    const deleted = slow.requests.filter((r) => r.method === 'DELETE');
    expect(deleted.at(-1)?.status).toBe(202);
    expect(await readdir(outputDir)).toEqual([]);
    expect((await fetch(`${slow.base.replace(/\/fhir$/, '')}${deleted.at(-1)?.url ?? ''}`)).status).toBe(404);
  });

  it('says clearly when the server does not offer $export, so the caller can fall back to searches', async () => {
    const client = createBulkClient({ baseUrl: noBulk.base });
    const support = await client.support();
    expect(support).toMatchObject({ patient: false, group: false, system: false });
    expect(support.reason).toContain('does not advertise');
    const error = await client.export({ level: { kind: 'group', groupId: 'g1' } }, { outputDir: folder() }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_FHIR_REQUEST_FAILED' });
    expect((error as Error).message).toContain('does not support Group-level Bulk Data $export');
    expect(await createBulkClient({ baseUrl: server.base }).support()).toEqual({ patient: true, group: true, system: false });
  });

  it('kicks off with GET, as every Bulk Data server must take it, so a server that refuses POST exports', async () => {
    const { events, onEvent } = collect();
    const result = await createBulkClient({ baseUrl: postRefused.base, firstPollDelayMs: 0, onEvent }).export(
      { level: { kind: 'patient' }, types: ['Patient'] },
      { outputDir: folder() },
    );
    expect(events.filter((e) => e.type === 'kick-off')).toEqual([{ type: 'kick-off', method: 'GET', status: 202 }]);
    expect(postRefused.requests.filter((r) => r.url.includes('$export') && !r.url.includes('$export-')).map((r) => r.method)).toEqual(['GET']);
    expect(result.files.map((f) => [f.type, f.count])).toEqual([['Patient', 6]]);
    expect(result.request).toContain('_type=Patient');
  });

  it('hands the patients of an incremental export on by id only: a part of a record is not the record', async () => {
    const client = createBulkClient({ baseUrl: server.base, firstPollDelayMs: 0 });
    const full: BulkExportResult = await client.export({ level: { kind: 'patient' }, types: ['Patient'] }, { outputDir: folder() });
    // A new version of one Patient after the first export.
    const current = await (await fetch(`${server.base}/Patient/sle-eligible`)).json();
    await fetch(`${server.base}/Patient/sle-eligible`, { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(current) });
    const incremental = await client.export({ level: { kind: 'patient' }, since: full.nextSince }, { outputDir: folder() });
    expect(incremental.completeRecords).toBe(false);
    const stream = candidatesFromExport(incremental);
    const candidates = [];
    for await (const candidate of stream.candidates) candidates.push(candidate);
    expect(candidates).toEqual([{ patientId: 'sle-eligible' }]);
    expect(stream.warnings?.[0]).toContain('incremental');
  });
});
