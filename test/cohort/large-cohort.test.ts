import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fhirPorts, type FhirPorts } from '../../src/app/fhir-ports';
import { createBulkClient } from '../../src/bulk';
import { candidateSourceFor, diagnosisSource, explicitIdsSource, runCohort, runPaths, type CohortDefinition, type Selection } from '../../src/cohort';
import { getTrial, loadCatalog, type CompiledTrial } from '../../src/mapping/compile';
import type { EligibilityReport } from '../../src/report/types';
import { screenPatient } from '../../src/usecases/screen-patient';
import { journalLines, occurrences, patientLines } from './journal-helpers';
import { allPatientIds, loadLargePopulation, ROOT, SLE_EXAMPLES, startFhir, type TestFhir } from './population';

const AS_OF = '2026-06-15';
const LEUKAPHERESIS = '2026-07-01';
const LUPUS_SYNTHEA = 40;
const EXAMPLE_COPIES = 165;
const LUPUS_PATIENTS = SLE_EXAMPLES.length + LUPUS_SYNTHEA + EXAMPLE_COPIES;

let fhir: TestFhir;
let trial: CompiledTrial;
let ports: FhirPorts;
let dataDir: string;
let candidates: string[] = [];
/** Each candidate screened on its own, through the same use case, before any cohort run. */
const alone = new Map<string, EligibilityReport>();

function definition(select: Selection): CohortDefinition {
  return { trial: 'sle-cart', select, asOf: AS_OF, leukapheresisDate: LEUKAPHERESIS, writeBack: false, writeMeasureReport: false };
}

async function screenEachAlone(ids: readonly string[]): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      const { report } = await screenPatient({ source: ports.source }, trial, id, { asOf: AS_OF, leukapheresisDate: LEUKAPHERESIS });
      alone.set(id, report);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
}

function expectMatchesAlone(records: ReturnType<typeof patientLines>): void {
  for (const record of records) {
    if (record.type !== 'screened') continue;
    const report = alone.get(record.patientId);
    expect(report).toBeDefined();
    expect({ patientId: record.patientId, outcome: record.outcome, notMet: record.notMet, unknown: record.unknown, review: record.review, awaitingWashout: record.awaitingWashout }).toEqual({
      patientId: record.patientId,
      outcome: report?.outcome,
      ...report?.summary,
    });
  }
}

function countsAlone(ids: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = { eligible: 0, 'potential-candidate': 0, ineligible: 0 };
  for (const id of ids) {
    const outcome = alone.get(id)?.outcome;
    if (outcome) counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  return counts;
}

beforeAll(async () => {
  fhir = await startFhir({ validateWrites: false, bulkExport: { retryAfterSeconds: 1 } });
  await loadLargePopulation(fhir.server, { syntheaWithLupus: LUPUS_SYNTHEA, exampleCopies: EXAMPLE_COPIES });
  trial = getTrial(loadCatalog(), 'sle-cart');
  ports = fhirPorts({ baseUrl: fhir.base });
  dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-cohort-large-'));
}, 60_000);

afterAll(async () => {
  await fhir.running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a cohort of more than 200 patients on a FHIR server', () => {
  it('selects by diagnosis every patient with an SLE Condition, however it is coded, and screens each once as it screens alone', async () => {
    const result = await runCohort(
      { runId: 'by-diagnosis', definition: definition({ by: 'diagnosis' }) },
      { dataDir, trial, source: diagnosisSource(ports.fhir, trial), patients: ports.source },
    );
    expect(result.progress.status).toBe('completed');
    const records = patientLines(dataDir, 'by-diagnosis');
    candidates = records.map((r) => r.patientId);
    expect(records).toHaveLength(LUPUS_PATIENTS);
    expect([...occurrences(records).values()].every((n) => n === 1)).toBe(true);
    for (const { id } of SLE_EXAMPLES) expect(candidates).toContain(id);
    expect(candidates).toContain('sle-potential-copy164');
    expect(candidates).not.toContain('ssc-eligible');

    await screenEachAlone(candidates);
    expectMatchesAlone(records);
    expect(records.every((r) => r.type === 'screened')).toBe(true);
    expect(result.summary?.counts).toMatchObject({ screened: LUPUS_PATIENTS, failed: 0, total: LUPUS_PATIENTS, byOutcome: countsAlone(candidates) });
    // Every criterion accounts for every screened patient, and the funnel only ever narrows.
    for (const c of result.summary?.criteria ?? []) expect(c.met + c.notMet + c.awaitingWashout + c.unknown + c.review).toBe(LUPUS_PATIENTS);
    const remaining = (result.summary?.criteria ?? []).map((c) => c.remainingAfter);
    expect(remaining).toEqual([...remaining].sort((a, b) => b - a));
    const expected = countsAlone(candidates);
    expect(remaining.at(-1)).toBe((expected.eligible ?? 0) + (expected['potential-candidate'] ?? 0));
  }, 90_000);

  it('resumes a run killed part-way (SIGKILL, then a torn last line) by explicit ids: every patient ends in the journal exactly once', async () => {
    expect(candidates.length).toBe(LUPUS_PATIENTS);
    const ids = [...candidates.slice(0, 100), 'no-such-patient', ...candidates.slice(100), 'gone-patient'];
    const idsFile = path.join(dataDir, 'ids.json');
    writeFileSync(idsFile, JSON.stringify(ids));
    const runId = 'by-ids-killed';
    const journal = runPaths(dataDir, runId).journal;
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'fixtures', 'run-cohort-child.ts'), fhir.base, dataDir, runId, idsFile], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal === 'SIGKILL' ? -9 : _code)));
    const countLines = (): number => {
      try {
        return readFileSync(journal, 'utf8').split('\n').filter((l) => l.includes('"patientId"')).length;
      } catch {
        return 0;
      }
    };
    for (let waited = 0; countLines() < 40 && waited < 60_000; waited += 10) await sleep(10);
    child.kill('SIGKILL');
    expect(await exited).toBe(-9);
    expect(output).not.toContain('finished');
    const beforeResume = patientLines(dataDir, runId);
    expect(beforeResume.length).toBeGreaterThanOrEqual(40);
    expect(beforeResume.length).toBeLessThan(ids.length);
    expect(journalLines(dataDir, runId).some((r) => r.type === 'end')).toBe(false);
    // A write the kill cut short: half a line, no newline.
    const unscreened = ids.find((id) => !beforeResume.some((r) => r.patientId === id)) as string;
    appendFileSync(journal, `{"type":"screened","patientId":"${unscreened}","outcome":"eligi`);

    const result = await runCohort(
      { runId, definition: definition({ by: 'patients', patients: ids }) },
      { dataDir, trial, source: explicitIdsSource(ids), patients: ports.source },
    );
    expect(result.progress.status).toBe('completed');
    const records = patientLines(dataDir, runId);
    const seen = occurrences(records);
    expect([...seen.keys()].sort()).toEqual([...ids].sort());
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    // The records journaled before the kill are kept, not redone.
    expect(records.slice(0, beforeResume.length)).toEqual(beforeResume);
    expect(journalLines(dataDir, runId).filter((r) => r.type === 'attempt')).toHaveLength(2);
    expectMatchesAlone(records);
    const failed = records.filter((r) => r.type === 'failed');
    expect(failed.map((r) => [r.patientId, r.code]).sort()).toEqual([
      ['gone-patient', 'ERR_PATIENT_NOT_FOUND'],
      ['no-such-patient', 'ERR_PATIENT_NOT_FOUND'],
    ]);
    expect(result.summary?.counts).toMatchObject({ screened: candidates.length, failed: 2, total: ids.length, byOutcome: countsAlone(candidates) });
    expect(result.summary?.failures.map((f) => f.patientId).sort()).toEqual(['gone-patient', 'no-such-patient']);
  }, 90_000);

  it('cancels on the abort signal with the patients in flight journaled, and a resumed run screens only the rest', async () => {
    const ids = candidates.slice(0, 60);
    const runId = 'cancelled-then-resumed';
    const controller = new AbortController();
    const first = await runCohort(
      {
        runId,
        definition: definition({ by: 'patients', patients: ids }),
        signal: controller.signal,
        concurrency: 2,
        onProgress: (p) => {
          if (p.screened + p.failed >= 15) controller.abort();
        },
      },
      { dataDir, trial, source: explicitIdsSource(ids), patients: ports.source },
    );
    expect(first.progress.status).toBe('cancelled');
    expect(first.summary).toBeUndefined();
    const partial = patientLines(dataDir, runId);
    expect(partial.length).toBeGreaterThanOrEqual(15);
    expect(partial.length).toBeLessThanOrEqual(17);
    expect(journalLines(dataDir, runId).at(-1)).toMatchObject({ type: 'end', status: 'cancelled' });

    const second = await runCohort({ runId, definition: definition({ by: 'patients', patients: ids }) }, { dataDir, trial, source: explicitIdsSource(ids), patients: ports.source });
    expect(second.progress.status).toBe('completed');
    const records = patientLines(dataDir, runId);
    expect(records).toHaveLength(ids.length);
    expect([...occurrences(records).values()].every((n) => n === 1)).toBe(true);
    expect(second.summary?.counts.byOutcome).toEqual(countsAlone(ids));
  }, 60_000);

  it('selects by Bulk Data $export every patient on the server and screens each from the NDJSON files as they screen alone', async () => {
    const everyone = await allPatientIds(fhir.base);
    expect(everyone.length).toBeGreaterThan(300);
    await screenEachAlone(everyone.filter((id) => !alone.has(id)));
    const runId = 'by-export';
    const bulk = createBulkClient({ baseUrl: fhir.base, firstPollDelayMs: 0 });
    const source = candidateSourceFor({ by: 'export' }, trial, ports.fhir, {}, { bulk, runDir: runPaths(dataDir, runId).dir });
    // Screening from the files: a patient read from the server by id would fail here.
    const unreachable = { label: 'none', fetchPatientResources: (): Promise<never> => Promise.reject(new Error('read from the server')) };
    const result = await runCohort({ runId, definition: definition({ by: 'export' }) }, { dataDir, trial, source, patients: unreachable });
    expect(result.progress.status).toBe('completed');
    const records = patientLines(dataDir, runId);
    expect(records.map((r) => r.patientId).sort()).toEqual([...everyone].sort());
    expect([...occurrences(records).values()].every((n) => n === 1)).toBe(true);
    expect(records.every((r) => r.type === 'screened')).toBe(true);
    expectMatchesAlone(records);
    expect(result.summary?.counts).toMatchObject({ screened: everyone.length, failed: 0, total: everyone.length, byOutcome: countsAlone(everyone) });
    expect(result.summary?.warnings).toEqual([]);
  }, 120_000);
});
