import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateResource } from '@medplum/core';
import type { MeasureReport } from '@medplum/fhirtypes';
import { fhirPorts } from '../../src/app/fhir-ports';
import { buildMeasureReport, createCohortService, renderCsv, renderHtml, type CohortService, type CohortSummary } from '../../src/cohort';
import { loadCatalog, getTrial } from '../../src/mapping/compile';
import { loadFhirDefinitions } from '../../src/server';
import { patientLines } from './journal-helpers';
import { EXAMPLES, exampleCopy, startFhir, type TestFhir } from './population';
import { loadFhirFiles } from '../../src/server';

const AS_OF = '2026-06-15';
const LEUKAPHERESIS = '2026-07-01';
const LISTED = ['sle-eligible', 'sle-ineligible', 'sle-potential', 'sle-late'];

let fhir: TestFhir;
let dataDir: string;
let service: CohortService;
const trial = getTrial(loadCatalog(), 'sle-cart');

beforeAll(async () => {
  fhir = await startFhir();
  await loadFhirFiles(fhir.server, [EXAMPLES]);
  dataDir = mkdtempSync(path.join(tmpdir(), 'eligo-cohort-summary-'));
  const ports = fhirPorts({ baseUrl: fhir.base });
  service = createCohortService({ catalog: loadCatalog(), dataDir, fhir: ports.fhir, patients: ports.source, writer: ports.writer });
}, 30_000);

afterAll(async () => {
  await service.close();
  await fhir.running.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function get(url: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: { accept: 'application/fhir+json' } });
  return { status: response.status, body: (await response.json()) as unknown };
}

function listed(runId: string): Promise<CohortSummary> {
  return service
    .run({ trial: 'sle-cart', select: { by: 'patients', patients: LISTED }, asOf: AS_OF, leukapheresisDate: LEUKAPHERESIS, writeBack: true, writeMeasureReport: true, runId })
    .then((r) => r.summary as CohortSummary);
}

describe('the cohort summary', () => {
  let first: CohortSummary;
  let second: CohortSummary;

  beforeAll(async () => {
    first = await listed('listed-1');
    // A patient who was not on the server for the first run arrives before the second.
    await fhir.server.load(exampleCopy('sle-eligible.json', 'sle-eligible', 'sle-late'));
    second = await listed('listed-2');
  }, 30_000);

  it('counts outcomes and lists the patient it could not screen with the reason', () => {
    expect(first.counts).toMatchObject({ total: 4, screened: 3, failed: 1, byOutcome: { eligible: 1, 'potential-candidate': 1, ineligible: 1 }, failedByCode: { ERR_PATIENT_NOT_FOUND: 1 } });
    expect(first.failures).toEqual([{ patientId: 'sle-late', code: 'ERR_PATIENT_NOT_FOUND', reason: expect.stringContaining('Patient/sle-late') }]);
    expect(first.newCandidates).toEqual({ comparedWith: null, patients: [] });
  });

  it('names as new the candidates of this run who were not candidates in the previous completed run of the same cohort', () => {
    expect(second.counts).toMatchObject({ screened: 4, failed: 0, byOutcome: { eligible: 2, 'potential-candidate': 1, ineligible: 1 } });
    expect(second.newCandidates).toEqual({ comparedWith: 'listed-1', patients: [{ patientId: 'sle-late', outcome: 'eligible', previously: 'failed' }] });
  });

  it('tells a patient absent from the previous run of a diagnosis search', async () => {
    const byDiagnosis = (runId: string): Promise<CohortSummary | undefined> =>
      service.run({ trial: 'sle-cart', asOf: AS_OF, leukapheresisDate: LEUKAPHERESIS, runId }).then((r) => r.summary);
    await byDiagnosis('diagnosis-1');
    await fhir.server.load(exampleCopy('sle-potential-candidate.json', 'sle-potential', 'sle-fresh'));
    const later = await byDiagnosis('diagnosis-2');
    expect(later?.newCandidates).toEqual({ comparedWith: 'diagnosis-1', patients: [{ patientId: 'sle-fresh', outcome: 'potential-candidate', previously: 'absent' }] });
  });

  it('writes each result back once: a second identical run writes nothing for the same patients', async () => {
    const subjects = (await get(`${fhir.base}/ResearchSubject?_count=100`)).body as { entry?: unknown[] };
    expect(subjects.entry?.length).toBeGreaterThanOrEqual(3);
    const firstWrites = patientLines(dataDir, 'listed-1').filter((r) => r.type === 'screened');
    expect(firstWrites.every((r) => r.type === 'screened' && (r.written ?? 0) > 0)).toBe(true);
    const again = patientLines(dataDir, 'listed-2').filter((r) => r.type === 'screened' && r.patientId !== 'sle-late');
    expect(again.map((r) => (r.type === 'screened' ? r.written : -1))).toEqual([0, 0, 0]);
  });

  it('is a valid R4 summary MeasureReport, written to the server, with a group per outcome and per criterion in catalog order', async () => {
    loadFhirDefinitions();
    // Written by its run identifier (no client-chosen id, so servers that assign ids take it too), once.
    const { status, body } = await get(`${fhir.base}/MeasureReport?identifier=${encodeURIComponent('urn:eligo:cohort-run|listed-1')}`);
    expect(status).toBe(200);
    const found = (body as { entry?: { resource: MeasureReport }[] }).entry ?? [];
    expect(found).toHaveLength(1);
    const report = found[0]?.resource as MeasureReport;
    expect(validateResource(report)).toEqual([]);
    expect(report).toMatchObject({ status: 'complete', type: 'summary', measure: 'urn:eligo:measure:sle-cart|1', period: { start: AS_OF, end: AS_OF } });
    const [outcome, ...criteria] = report.group ?? [];
    const strata = Object.fromEntries((outcome?.stratifier?.[0]?.stratum ?? []).map((s) => [s.value?.coding?.[0]?.code, s.population?.[0]?.count]));
    expect(strata).toEqual({ eligible: 1, 'potential-candidate': 1, ineligible: 1, failed: 1 });
    expect(outcome?.population?.map((p) => [p.code?.coding?.[0]?.code, p.count])).toEqual([
      ['initial-population', 4],
      ['denominator', 3],
      ['numerator', 2],
    ]);
    expect(criteria.map((g) => g.code?.coding?.[0]?.code)).toEqual(trial.criteria.map((c) => c.id));
    for (const [i, group] of criteria.entries()) {
      const counts = first.criteria[i];
      expect(group.population?.map((p) => p.count)).toEqual([3, (counts?.met ?? 0) + (counts?.notMet ?? 0) + (counts?.awaitingWashout ?? 0), counts?.met]);
    }
    const age = criteria[0]?.stratifier?.[1]?.stratum?.map((s) => [s.value?.coding?.[0]?.code, s.population?.[0]?.count]);
    expect(age).toEqual([
      ['excluded-here', first.criteria[0]?.excludedHere],
      ['remaining-after', first.criteria[0]?.remainingAfter],
    ]);
    expect(JSON.stringify(report)).not.toContain('sle-eligible');
  });

  it('marks the MeasureReport of an unfinished run as pending', () => {
    loadFhirDefinitions();
    const pending = buildMeasureReport({ ...first, status: 'running' });
    expect(pending.status).toBe('pending');
    expect(validateResource(pending)).toEqual([]);
  });

  it('renders as CSV: outcomes, the funnel in catalog order with its counts, failures, quoted and formula-safe', () => {
    const csv = renderCsv({ ...first, failures: [{ patientId: 'x', code: 'ERR_INTERNAL', reason: '=HYPERLINK("http://evil")' }] });
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('section,id,label,detail,count,met,not_met,awaiting_washout,unknown,review,excluded_here,remaining_after');
    expect(lines).toContain('outcome,eligible,Eligible,,1,,,,,,,');
    expect(lines).toContain('outcome,failed,Screening failed,,1,,,,,,,');
    expect(lines).toContain('funnel,screened,Screened,,3,,,,,,,3');
    const age = first.criteria[0];
    expect(lines).toContain(
      `funnel,sle.inc.age,"Age 16 to 55 years, male or female",inclusion,3,${age?.met},${age?.notMet},${age?.awaitingWashout},${age?.unknown},${age?.review},${age?.excludedHere},${age?.remainingAfter}`,
    );
    const funnelIds = lines.filter((l) => l.startsWith('funnel,') && !l.startsWith('funnel,screened')).map((l) => l.split(',')[1]);
    expect(funnelIds).toEqual(trial.criteria.map((c) => c.id));
    expect(lines).toContain(`failed,Patient/x,ERR_INTERNAL,"'=HYPERLINK(""http://evil"")",,,,,,,,`);
    expect(csv.endsWith('\r\n')).toBe(true);
  });

  it('renders as a standalone HTML page with the funnel as an inline SVG chart and every text escaped', () => {
    const html = renderHtml({ ...second, failures: [{ patientId: 'x', code: 'ERR_INTERNAL', reason: '<script>alert(1)</script>' }] });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/src=|href=|@import|url\(http/);
    expect(html).toContain('@media print');
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    expect(svg).toContain('role="img"');
    // One row for "screened" and one per criterion, each with its tooltip.
    expect(svg.match(/<title>/g)).toHaveLength(trial.criteria.length + 1);
    expect(svg).toContain('total score &gt;= 10');
    expect(html).not.toContain('score >= 10');
    expect(html).toContain('Patient/sle-late');
    expect(html).toContain('Compared with run <code>listed-1</code>');
  });
});
