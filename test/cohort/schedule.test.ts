import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fhirPorts } from '../../src/app/fhir-ports';
import { createCohortService, loadCohortConfig, startCohortScheduler } from '../../src/cohort';
import { isEligoError } from '../../src/errors/eligo-error';
import { loadCatalog } from '../../src/mapping/compile';
import { loadFhirFiles } from '../../src/server';
import { EXAMPLES, startFhir, type TestFhir } from './population';

const TRIALS = new Set(['sle-cart', 'ssc-cart']);

function configError(env: NodeJS.ProcessEnv): { where?: string; message: string } {
  try {
    loadCohortConfig(env, TRIALS);
  } catch (error) {
    if (isEligoError(error, 'ERR_CONFIG_INVALID')) return { ...(error.where ? { where: error.where } : {}), message: error.message };
    throw error;
  }
  throw new Error('no error');
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'eligo-cohort-schedule-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cohort configuration', () => {
  it('reads schedules from ELIGO_COHORT_SCHEDULE and from a YAML file, with defaults', () => {
    const file = path.join(dir, 'cohorts.yaml');
    writeFileSync(
      file,
      ['timezone: Europe/Paris', 'schedules:', '  - cron: "30 1 * * 1"', '    trial: ssc-cart', '    select: { by: group, group: ssc-registry }', '    writeMeasureReport: true', '    leukapheresisInDays: 14'].join('\n'),
    );
    const config = loadCohortConfig(
      { ELIGO_COHORT_SCHEDULE: '0 2 * * *|sle-cart; 0 3 * * *|ssc-cart|patients=a,b|write-back', ELIGO_COHORT_CONFIG: file, ELIGO_COHORT_CONCURRENCY: '6' },
      TRIALS,
    );
    expect(config).toMatchObject({ concurrency: 6, prefixSearch: 'auto', textSearch: true, resumeOnStart: true });
    expect(config.schedules).toEqual([
      { cron: '0 2 * * *', trial: 'sle-cart', select: { by: 'diagnosis' }, writeBack: false, writeMeasureReport: false },
      { cron: '0 3 * * *', trial: 'ssc-cart', select: { by: 'patients', patients: ['a', 'b'] }, writeBack: true, writeMeasureReport: false },
      { cron: '30 1 * * 1', trial: 'ssc-cart', select: { by: 'group', group: 'ssc-registry' }, writeBack: false, writeMeasureReport: true, leukapheresisInDays: 14, timezone: 'Europe/Paris' },
    ]);
  });

  it('names the variable and the entry of a bad value', () => {
    expect(configError({ ELIGO_COHORT_SCHEDULE: '0 2 * * *|sle-cart;61 2 * * *|ssc-cart' })).toMatchObject({ where: 'ELIGO_COHORT_SCHEDULE', message: expect.stringContaining('entry 2 cron') });
    expect(configError({ ELIGO_COHORT_SCHEDULE: '0 2 * * *|lupus' }).message).toContain('unknown trial "lupus"');
    expect(configError({ ELIGO_COHORT_SCHEDULE: '0 2 * * *|sle-cart|weekly' }).message).toContain('unknown option "weekly"');
    expect(configError({ ELIGO_COHORT_CONCURRENCY: '0' }).where).toBe('ELIGO_COHORT_CONCURRENCY');
    expect(configError({ ELIGO_COHORT_TIMEZONE: 'Mars/Olympus' }).message).toContain('IANA time zone');
    expect(configError({ ELIGO_COHORT_CONFIG: path.join(dir, 'missing.yaml') }).where).toBe('ELIGO_COHORT_CONFIG');
  });
});

describe('the cohort scheduler', () => {
  let fhir: TestFhir;
  beforeAll(async () => {
    fhir = await startFhir();
    await loadFhirFiles(fhir.server, [EXAMPLES]);
  });
  afterAll(() => fhir.running.close());

  it('runs a due schedule once per slot and names the run after the trial and the minute', async () => {
    const ports = fhirPorts({ baseUrl: fhir.base });
    const dataDir = path.join(dir, 'scheduled');
    const service = createCohortService({ catalog: loadCatalog(), dataDir, fhir: ports.fhir, patients: ports.source });
    const config = loadCohortConfig({ ELIGO_COHORT_SCHEDULE: '* * * * * *|sle-cart|leukapheresis-in=16' }, TRIALS);
    const scheduler = startCohortScheduler(service, config.schedules);
    try {
      expect(scheduler.jobs()[0]?.nextRun).toBeInstanceOf(Date);
      let runs = await service.list();
      for (let i = 0; i < 200 && !runs.some((r) => r.status === 'completed'); i++) {
        await sleep(25);
        runs = await service.list();
      }
      await sleep(1100);
      runs = await service.list();
      const minutes = new Set(runs.map((r) => r.runId.replace(/^sle-cart-scheduled-(\d{8}T\d{4})Z$/, '$1')));
      expect(runs.length).toBe(minutes.size);
      expect(runs[0]).toMatchObject({ trial: 'sle-cart', status: 'completed', screened: 3 });
      expect(runs[0]?.runId).toMatch(/^sle-cart-scheduled-\d{8}T\d{4}Z$/);
      expect(runs[0]?.definition.leukapheresisDate).toBeDefined();
    } finally {
      scheduler.stop();
      await service.close();
    }
  }, 20_000);
});
