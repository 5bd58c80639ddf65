import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, Condition, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { loadCatalog, getTrial } from '../../src/mapping/compile';
import { normalise } from '../../src/record/normalise';
import { screenResources } from '../../src/usecases/screen';
import { renderReportPage, trendsForReport, type ReportPageView } from '../../src/web';

const catalog = loadCatalog();
const EXAMPLES = path.resolve(__dirname, '../../examples');
const FHIR_BASE = 'http://127.0.0.1:8081/fhir';

function exampleResources(name: string): Resource[] {
  const bundle = JSON.parse(readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8')) as Bundle;
  return (bundle.entry ?? []).map((e) => e.resource as Resource);
}

function pageFor(resources: Resource[], banner?: ReportPageView['banner']): string {
  const options = { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' };
  const record = normalise(resources);
  const trials = [...catalog.trials.values()].map((trial) => {
    const report = screenResources(trial, resources, options);
    return { trial, report, trends: trendsForReport(trial, report, record) };
  });
  return renderReportPage({
    ...(banner ? { banner } : {}),
    patientReference: 'Patient/ssc-potential',
    fhirBaseUrl: FHIR_BASE,
    asOf: options.asOf,
    leukapheresisDate: options.leukapheresisDate,
    trials,
    csrfToken: 'csrf-token',
    writeBack: { allowed: true },
    generatedBy: 'eligo test',
  }).text;
}

describe('the report page', () => {
  it('escapes FHIR text everywhere: a name or a diagnosis cannot add markup', () => {
    const attack = '<img src=x onerror=alert(1)><script>alert(2)</script>"\'';
    const resources = exampleResources('ssc-potential-candidate').map((r) => {
      if (r.resourceType === 'Condition') {
        const c = structuredClone(r) as Condition;
        c.code = { coding: [{ ...(c.code?.coding?.[0] ?? {}), display: attack }], text: attack };
        return c;
      }
      return r;
    });
    const patient = resources.find((r): r is Patient => r.resourceType === 'Patient') as Patient;
    const page = pageFor(resources, { name: attack, ...(patient.birthDate ? { birthDate: patient.birthDate } : {}) });
    expect(page).not.toContain('<img src=x');
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('&#60;img src&#61;x onerror&#61;alert(1)&#62;');
    // The diagnosis text reached the page, escaped, in the criterion's evidence.
    expect(page.match(/&#60;script&#62;alert\(2\)/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
  });

  it('links evidence only when the reference is a plain Type/id on the FHIR server', () => {
    const resources = exampleResources('ssc-potential-candidate');
    const trial = getTrial(catalog, 'ssc-cart');
    const report = screenResources(trial, resources, { asOf: '2026-06-15' });
    const criterion = report.criteria.find((c) => c.evidence.length > 0);
    criterion?.evidence.push({ reference: 'javascript:alert(1)', value: 'x' }, { reference: 'Observation/../../admin', value: 'y' });
    const page = renderReportPage({
      patientReference: 'Patient/ssc-potential',
      fhirBaseUrl: FHIR_BASE,
      asOf: '2026-06-15',
      trials: [{ trial, report, trends: [] }],
      csrfToken: 't',
      writeBack: { allowed: false, reason: 'off' },
      generatedBy: 'eligo test',
    }).text;
    expect(page).toContain(`href="${FHIR_BASE}/Observation/ssc-potential-obs2"`);
    expect(page).not.toMatch(/href="javascript/i);
    expect(page).not.toContain('href="http://127.0.0.1:8081/fhir/Observation/../../admin"');
    expect(page).toContain('javascript:alert(1)');
  });

  it('shows washout dates, what is missing and what to confirm', () => {
    const page = pageFor(exampleResources('sle-potential-candidate'));
    expect(page).toContain('Washout clears: 2026-07-11');
    expect(page).toContain('<strong>Missing:</strong>');
    expect(page).toContain('<strong>To confirm:</strong>');
  });

  it('marks the results the FVC trend decision used', () => {
    const resources = exampleResources('ssc-potential-candidate');
    const trial = getTrial(catalog, 'ssc-cart');
    const report = screenResources(trial, resources, { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' });
    const series = trendsForReport(trial, report, normalise(resources)).find((t) => t.label === 'FVC % predicted');
    expect(series?.points.map((p) => [p.reference, p.used])).toEqual([
      ['Observation/ssc-potential-obs2', true],
      ['Observation/ssc-potential-obs3', true],
    ]);
  });

  it('charts the trend a decision used, in the analyte\'s unit, leaving out values it cannot convert', () => {
    const resources = exampleResources('ssc-potential-candidate');
    const fvc = resources.find((r) => r.id === 'ssc-potential-obs2') as Observation;
    const unconvertible: Observation = { ...structuredClone(fvc), id: 'fvc-in-litres', effectiveDateTime: '2026-03-01', valueQuantity: { value: 2.9, unit: 'L', system: 'http://unitsofmeasure.org', code: 'L' } };
    const withExtra = [...resources, unconvertible];
    const trial = getTrial(catalog, 'ssc-cart');
    const report = screenResources(trial, withExtra, { asOf: '2026-06-15', leukapheresisDate: '2026-07-01' });
    const trends = trendsForReport(trial, report, normalise(withExtra));
    const series = trends.find((t) => t.label === 'FVC % predicted');
    expect(series?.unit).toBe('%');
    expect(series?.points.map((p) => [p.date, p.value])).toEqual([
      ['2026-01-20', 72],
      ['2026-06-01', 63],
    ]);
    expect(series?.leftOut).toBe(1);
    // Filled dots are exactly the results the decision cited.
    const cited = new Set(report.criteria.flatMap((c) => c.evidence.map((e) => e.reference)));
    for (const point of series?.points ?? []) expect(point.used).toBe(cited.has(point.reference));
    const page = pageFor(withExtra);
    expect(page).toContain('role="img" aria-label="FVC % predicted: 2 results from 2026-01-20 to 2026-06-01');
    expect(page).toContain('1 result(s) not drawn');
  });
});
