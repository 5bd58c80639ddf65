import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fhirPorts } from '../../src/app/fhir-ports';
import { explicitIdsSource, runCohort, type CandidateSource, type CohortDefinition } from '../../src/cohort';
import { isEligoError } from '../../src/errors/eligo-error';
import { readPatientBundles, SCREENING_RESOURCE_TYPES } from '../../src/input';
import { getTrial, loadCatalog, type CompiledTrial } from '../../src/mapping/compile';
import { loadFhirFiles } from '../../src/server';
import { journalLines, occurrences, patientLines } from './journal-helpers';
import { EXAMPLES, startFhir } from './population';

const trial = getTrial(loadCatalog(), 'ssc-cart');
let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-cohort-runs-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

function definition(select: CohortDefinition['select']): CohortDefinition {
  return { trial: 'ssc-cart', select, asOf: '2026-06-15', leukapheresisDate: '2026-07-01', writeBack: false, writeMeasureReport: false };
}

/** Patients with their resources, as the Bulk Data path hands them over (read again from the files on every open). */
function filesSource(stopAfter?: { n: number; controller: AbortController }): CandidateSource {
  return {
    replay: 'stream',
    description: 'the examples folder, read as files',
    open: async () => ({
      candidates: (async function* () {
        let n = 0;
        for await (const group of readPatientBundles(EXAMPLES, { resourceTypes: SCREENING_RESOURCE_TYPES })) {
          if (stopAfter && n++ === stopAfter.n) stopAfter.controller.abort();
          yield group;
        }
      })(),
    }),
  };
}

describe('runs with candidates that carry their resources (the Bulk Data path)', () => {
  it('screens them without a FHIR server, and a resumed run reopens the source and skips the journaled ones', async () => {
    const controller = new AbortController();
    const select = { by: 'supplied', description: 'the examples folder, read as files' } as const;
    const first = await runCohort({ runId: 'files', definition: definition(select), signal: controller.signal, concurrency: 1 }, { dataDir, trial, source: filesSource({ n: 2, controller }) });
    expect(first.progress.status).toBe('cancelled');
    const partial = patientLines(dataDir, 'files').length;
    expect(partial).toBeGreaterThanOrEqual(2);
    expect(partial).toBeLessThan(6);

    const second = await runCohort({ runId: 'files', definition: definition(select) }, { dataDir, trial, source: filesSource() });
    expect(second.progress.status).toBe('completed');
    const records = patientLines(dataDir, 'files');
    expect(records).toHaveLength(6);
    expect([...occurrences(records).values()].every((n) => n === 1)).toBe(true);
    expect(second.summary?.counts.byOutcome).toEqual({ eligible: 1, 'potential-candidate': 1, ineligible: 4 });
    expect(journalLines(dataDir, 'files').filter((r) => r.type === 'selected')).toEqual([
      expect.objectContaining({ snapshot: false }),
      expect.objectContaining({ snapshot: false }),
    ]);
  });
});

describe('a FHIR server that goes away', () => {
  it('stops the run after patients fail in a row, journals none of them, and the resumed run screens them once the server is back', async () => {
    const live = await startFhir();
    await loadFhirFiles(live.server, [EXAMPLES]);
    const down = await startFhir();
    await down.running.close();
    const ids = ['ssc-eligible', 'ssc-ineligible', 'ssc-potential', 'sle-eligible', 'sle-potential'];
    try {
      const stopped = await runCohort(
        { runId: 'outage', definition: definition({ by: 'patients', patients: ids }), maxConsecutiveUnavailable: 3, concurrency: 2 },
        { dataDir, trial, source: explicitIdsSource(ids), patients: fhirPorts({ baseUrl: down.base, retries: 0 }).source },
      );
      expect(stopped.progress.status).toBe('failed');
      expect(stopped.progress.error?.code).toBe('ERR_FHIR_UNAVAILABLE');
      expect(patientLines(dataDir, 'outage')).toEqual([]);

      const resumed = await runCohort({ runId: 'outage', definition: definition({ by: 'patients', patients: ids }) }, { dataDir, trial, source: explicitIdsSource(ids), patients: fhirPorts({ baseUrl: live.base }).source });
      expect(resumed.progress.status).toBe('completed');
      expect(patientLines(dataDir, 'outage').map((r) => r.type)).toEqual(['screened', 'screened', 'screened', 'screened', 'screened']);
    } finally {
      await live.running.close();
    }
  });

  it('will not resume a run under another definition or a changed trial', async () => {
    const ids = ['ssc-eligible'];
    const live = await startFhir();
    await loadFhirFiles(live.server, [EXAMPLES]);
    try {
      const deps = { dataDir, trial, source: explicitIdsSource(ids), patients: fhirPorts({ baseUrl: live.base }).source };
      await runCohort({ runId: 'fixed', definition: definition({ by: 'patients', patients: ids }) }, deps);
      const otherDate: unknown = await runCohort({ runId: 'fixed', definition: { ...definition({ by: 'patients', patients: ids }), asOf: '2026-06-16' } }, deps).catch((e: unknown) => e);
      expect(isEligoError(otherDate, 'ERR_ARGUMENT_INVALID')).toBe(true);
      const edited: CompiledTrial = { ...trial, def: { ...trial.def, title: `${trial.def.title} (amended)` } };
      const changed: unknown = await runCohort({ runId: 'fixed', definition: definition({ by: 'patients', patients: ids }) }, { ...deps, trial: edited }).catch((e: unknown) => e);
      expect(isEligoError(changed, 'ERR_ARGUMENT_INVALID')).toBe(true);
      expect((changed as Error).message).toContain('changed since');
    } finally {
      await live.running.close();
    }
  });
});
