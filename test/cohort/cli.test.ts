import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle } from '@medplum/fhirtypes';
import type { CliIo } from '../../src/cli/io';
import { cohortCommand } from '../../src/cohort';
import { loadFhirFiles } from '../../src/server';
import { EXAMPLES, startFhir, SYNTHEA, syntheaFiles, type TestFhir } from './population';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cohort(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    errIsTty: false,
    now: () => new Date('2026-06-15T09:00:00Z'),
  };
  const code = await cohortCommand(argv, io, { env });
  return { code, stdout, stderr };
}

let fhir: TestFhir;
let dir: string;
beforeAll(async () => {
  fhir = await startFhir();
  await loadFhirFiles(fhir.server, [EXAMPLES]);
  dir = mkdtempSync(path.join(tmpdir(), 'eligo-cohort-cli-'));
}, 30_000);
afterAll(async () => {
  await fhir.running.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('eligo cohort', () => {
  it('screens the cohort selected by diagnosis, prints the summary in the format asked and writes every format to --out', async () => {
    const out = path.join(dir, 'out');
    const run = await cohort(['cohort', '--trial', 'ssc-cart', '--fhir', fhir.base, '--leukapheresis', '2026-07-01', '--run-id', 'cli-1', '--data-dir', dir, '--format', 'csv', '--out', out]);
    expect(run.code).toBe(0);
    expect(run.stdout.split('\r\n')[0]).toBe('section,id,label,detail,count,met,not_met,awaiting_washout,unknown,review,excluded_here,remaining_after');
    expect(run.stdout).toContain('run,cli-1,');
    expect(run.stdout).toContain('as of 2026-06-15');
    expect(run.stderr).toContain('cohort run cli-1: 3 screened (eligible 1, potential candidate 1, ineligible 1), 0 failed');
    // Not a terminal: progress as plain lines, one per change of status.
    expect(run.stderr).toMatch(/eligo: cohort cli-1 selecting: 0 done/);
    expect(run.stderr).toMatch(/eligo: cohort cli-1 running: \d+\/3 done/);
    expect(run.stderr).toMatch(/eligo: cohort cli-1 completed: 3\/3 done, eligible 1, potential 1, failed 0/);
    for (const file of ['summary.json', 'summary.csv', 'summary.html', 'measure-report.json']) expect(existsSync(path.join(out, file))).toBe(true);
    expect((JSON.parse(readFileSync(path.join(out, 'measure-report.json'), 'utf8')) as { resourceType: string }).resourceType).toBe('MeasureReport');
  });

  it('lists the patients it could not screen and exits 1', async () => {
    const run = await cohort(['--trial', 'sle-cart', '--fhir', fhir.base, '--patients', 'sle-eligible,nobody', '--run-id', 'cli-2', '--data-dir', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Patient/nobody: ERR_PATIENT_NOT_FOUND');
    expect((JSON.parse(run.stdout) as { counts: { screened: number; failed: number } }).counts).toMatchObject({ screened: 1, failed: 1 });
  });

  it('refuses contradictory or unknown options with exit code 2', async () => {
    expect((await cohort(['--trial', 'sle-cart', '--fhir', fhir.base, '--group', 'g', '--patients', 'a'])).code).toBe(2);
    expect((await cohort(['--trial', 'sle-cart', '--fhir', fhir.base, '--format', 'xml'])).code).toBe(2);
    const badDate = await cohort(['--trial', 'sle-cart', '--fhir', fhir.base, '--as-of', '2026-6-1', '--data-dir', dir]);
    expect(badDate).toMatchObject({ code: 2, stderr: 'eligo: asOf: a date is YYYY-MM-DD\n' });
    const noTrial = await cohort(['--fhir', fhir.base]);
    expect(noTrial.code).toBe(2);
    expect(noTrial.stderr).toContain('--trial is required');
  });

  it('starts the embedded FHIR server when --fhir is absent, with the same patient ids on every start', async () => {
    const file = syntheaFiles()[0] as string;
    const bundle = JSON.parse(readFileSync(path.join(SYNTHEA, file), 'utf8')) as Bundle;
    const syntheaId = (bundle.entry ?? []).find((e) => e.resource?.resourceType === 'Patient')?.fullUrl?.replace('urn:uuid:', '') ?? '';
    const env = { ELIGO_SEED: `${EXAMPLES},${path.join(SYNTHEA, file)}` };
    const args = (runId: string): string[] => ['--trial', 'sle-cart', '--patients', `sle-eligible,${syntheaId}`, '--run-id', runId, '--data-dir', dir];
    const first = await cohort(args('cli-embedded-1'), env);
    const second = await cohort(args('cli-embedded-2'), env);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const summary = JSON.parse(second.stdout) as { counts: { screened: number }; newCandidates: unknown };
    expect(summary.counts.screened).toBe(2);
    expect(summary.newCandidates).toEqual({ comparedWith: 'cli-embedded-1', patients: [] });
  }, 30_000);
});
