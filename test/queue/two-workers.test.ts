import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { Queue } from 'bullmq';
import type { CliIo } from '../../src/cli/io';
import { cohortCommand, type CohortSummary } from '../../src/cohort';
import { connectRedis, enqueueRun, readQueueResults, screeningCounts, waitForQueueRun } from '../../src/cohort/queue';
import type { QueuedResult, Redis } from '../../src/cohort/queue';
import type { CohortDefinition } from '../../src/cohort/definition';
import type { PatientRecord } from '../../src/cohort/journal/records';
import { screenCandidate } from '../../src/cohort/run/screen-candidate';
import { createFhirSource } from '../../src/fhir';
import { getTrial, loadCatalog } from '../../src/mapping/compile';
import { startSeededServer } from '../bulk/support';
import type { SeededServer } from '../bulk/support';
import { startRedis } from './support/redis-server';
import { QUEUE, startWorker, stopWorker, type WorkerProcess } from './support/workers';
import type { RunningRedis } from './support/redis-server';

const catalog = loadCatalog();

function outcomeCounts(records: readonly PatientRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const record of records) {
    const key = record.type === 'screened' ? record.outcome : `failed ${record.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('a cohort run spread over worker processes through BullMQ', () => {
  let redisServer: RunningRedis;
  let fhir: SeededServer;
  let redis: Redis;
  let workers: WorkerProcess[] = [];
  let patients: string[];

  beforeAll(async () => {
    redisServer = await startRedis();
    fhir = await startSeededServer({ synthea: 50 });
    const bundle = (await (await fetch(`${fhir.base}/Patient?_count=1000`)).json()) as { entry: { resource: Patient }[] };
    patients = bundle.entry.map((e) => e.resource.id as string).sort();
    redis = connectRedis(redisServer.url, 'eligo-test');
    const env = { ELIGO_REDIS_URL: redisServer.url, ELIGO_FHIR_BASE_URL: fhir.base };
    workers = await Promise.all([startWorker('worker-a', env), startWorker('worker-b', env)]);
  }, 60_000);

  afterAll(async () => {
    const codes = await Promise.all(workers.map((w) => stopWorker(w)));
    await redis?.quit();
    await fhir?.running.close();
    await redisServer?.stop();
    expect(codes).toEqual(workers.map(() => 0));
  });

  it('screens every patient exactly once, even when the run is enqueued again, with the results of screening each alone', async () => {
    expect(patients.length).toBeGreaterThanOrEqual(50);
    const trial = getTrial(catalog, 'sle-cart');
    const definition: CohortDefinition = {
      trial: 'sle-cart',
      select: { by: 'patients', patients },
      asOf: '2026-06-15',
      leukapheresisDate: '2026-07-01',
      writeBack: false,
      writeMeasureReport: false,
    };
    const run = { redis, queueName: QUEUE, runId: 'queue-run-1', definition, trial };
    // A producer that crashed part-way, restarted, and (to be sure) was run once more.
    const partial = await enqueueRun({ ...run, candidates: patients.slice(0, 20) });
    const restarted = await enqueueRun({ ...run, candidates: patients });
    const repeated = await enqueueRun({ ...run, candidates: (async function* () { yield* patients.map((patientId) => ({ patientId })); })() });
    expect([partial.added, restarted.added, repeated.added]).toEqual([20, patients.length - 20, 0]);
    expect(repeated.total).toBe(patients.length);

    const progress = await waitForQueueRun(redis, 'queue-run-1', { signal: AbortSignal.timeout(60_000), pollMs: 200 });
    expect(progress).toEqual({ enqueued: patients.length, total: patients.length, done: patients.length, complete: true });

    const results: QueuedResult[] = [];
    for await (const result of readQueueResults(redis, 'queue-run-1')) results.push(result);
    expect(results.map((r) => r.record.patientId).sort()).toEqual(patients);
    const screenings = await screeningCounts(redis, 'queue-run-1');
    expect([...screenings.keys()].sort()).toEqual(patients);
    expect(new Set(screenings.values())).toEqual(new Set([1]));
    expect(new Set(results.map((r) => r.worker))).toEqual(new Set(['worker-a', 'worker-b']));
    const queue = new Queue(QUEUE, { connection: redis });
    expect(await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed')).toEqual({ completed: patients.length, failed: 0, waiting: 0, active: 0, delayed: 0 });
    await queue.close();

    // The same patients screened one by one in this process, through the same use case.
    const source = createFhirSource({ baseUrl: fhir.base });
    const patientsSource = { label: fhir.base, fetchPatientResources: (id: string) => source.fetchPatientResources(id) };
    const alone: PatientRecord[] = [];
    for (const patientId of patients) {
      const record = await screenCandidate({ trial, patients: patientsSource, now: () => new Date() }, definition, { patientId });
      const queued = results.find((r) => r.record.patientId === patientId)?.record;
      const { at: _aloneAt, ...aloneRest } = record;
      const { at: _queuedAt, ...queuedRest } = queued ?? { at: '' };
      expect(queuedRest).toEqual(aloneRest);
      alone.push(record);
    }
    expect(outcomeCounts(results.map((r) => r.record))).toEqual(outcomeCounts(alone));
    expect(results.every((r) => r.record.type === 'screened')).toBe(true);
  });

  it('refuses to enqueue a run id again with another definition', async () => {
    const trial = getTrial(catalog, 'ssc-cart');
    const definition: CohortDefinition = { trial: 'ssc-cart', select: { by: 'patients', patients: ['x'] }, asOf: '2026-06-15', writeBack: false, writeMeasureReport: false };
    await enqueueRun({ redis, queueName: QUEUE, runId: 'queue-run-2', definition, trial, candidates: [] });
    await expect(enqueueRun({ redis, queueName: QUEUE, runId: 'queue-run-2', definition: { ...definition, asOf: '2026-06-16' }, trial, candidates: [] })).rejects.toMatchObject({
      code: 'ERR_ARGUMENT_INVALID',
    });
  });

  it('runs `eligo cohort --queue`: this process selects and journals, the workers screen, and the summary is the one of screening here', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-queued-cli-'));
    try {
      const cohort = async (argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
        let stdout = '';
        let stderr = '';
        const io: CliIo = { out: (t) => void (stdout += t), err: (t) => void (stderr += t), errIsTty: false, now: () => new Date('2026-06-15T09:00:00Z') };
        const code = await cohortCommand(argv, io, { env: { ELIGO_QUEUE_NAME: QUEUE } });
        return { code, stdout, stderr };
      };
      const common = ['--trial', 'ssc-cart', '--fhir', fhir.base, '--patients', patients.join(','), '--as-of', '2026-06-15', '--data-dir', dataDir];
      const queued = await cohort([...common, '--queue', redisServer.url, '--run-id', 'queued-cli']);
      expect(queued.stderr).toContain(`${patients.length} screened`);
      expect(queued.code).toBe(0);
      const here = await cohort([...common, '--run-id', 'screened-here']);
      expect(here.code).toBe(0);
      const queuedSummary = JSON.parse(queued.stdout) as CohortSummary;
      const hereSummary = JSON.parse(here.stdout) as CohortSummary;
      expect(queuedSummary.counts).toEqual(hereSummary.counts);
      expect(queuedSummary.criteria).toEqual(hereSummary.criteria);
      const results: QueuedResult[] = [];
      for await (const result of readQueueResults(redis, 'queued-cli')) results.push(result);
      expect(results.map((r) => r.record.patientId).sort()).toEqual(patients);
      expect(new Set((await screeningCounts(redis, 'queued-cli')).values())).toEqual(new Set([1]));
      // Resuming the completed run screens nobody again.
      const again = await cohort([...common, '--queue', redisServer.url, '--run-id', 'queued-cli']);
      expect(again.code).toBe(0);
      expect(new Set((await screeningCounts(redis, 'queued-cli')).values())).toEqual(new Set([1]));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
