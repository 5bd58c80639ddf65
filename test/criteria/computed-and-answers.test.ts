import { evaluate } from '../../src/engine/evaluate';
import { compileTrial } from '../../src/mapping/compile';
import { trialFileSchema } from '../../src/mapping/schema';
import { normalise } from '../../src/record/normalise';
import { AS_OF, catalog, judgeFhir, lab, LOINC, quantity } from '../real-ehr/helpers';

/**
 * Criteria the next trials need (issue: "Trials are data, for real"): values computed from
 * others by declared formulas, and coded answers of one observation. Real mappings, FHIR JSON,
 * the real reader.
 */
const weight = (kg: number, date = '2026-06-01T09:00:00Z'): Record<string, unknown> => lab('29463-7', 'Body weight', { valueQuantity: quantity(kg, 'kg'), effectiveDateTime: date });
const height = (value: number, unit = 'cm'): Record<string, unknown> => lab('8302-2', 'Body height', { valueQuantity: quantity(value, unit), effectiveDateTime: '2026-06-01T09:00:00Z' });
const creatinine = (value: number, unit = 'mg/dL'): Record<string, unknown> => lab('2160-0', 'Creatinine', { valueQuantity: quantity(value, unit) });
const qt = (ms: number): Record<string, unknown> => lab('8634-8', 'QT interval', { valueQuantity: quantity(ms, 'ms') });
const rr = (ms: number): Record<string, unknown> => lab('8637-1', 'RR interval', { valueQuantity: quantity(ms, 'ms') });
const ecog = (answer: { code?: string; text?: string }): Record<string, unknown> =>
  lab('89247-1', 'ECOG Performance Status score', {
    valueCodeableConcept: { ...(answer.code ? { coding: [{ system: LOINC, code: answer.code }] } : {}), ...(answer.text ? { text: answer.text } : {}) },
  });

const bmiAtLeast30 = { kind: 'computed', formula: 'bmi', inputs: { weight: 'body_weight', height: 'body_height' }, compare: { op: '>=', value: 30, unit: 'kg/m2' } };
const egfrAtLeast60 = { kind: 'computed', formula: 'ckd_epi_2021', inputs: { creatinine: 'creatinine' }, compare: { op: '>=', value: 60, unit: 'mL/min/{1.73_m2}' } };
const qtcfBelow470 = { kind: 'computed', formula: 'qtcf', inputs: { qt: 'qt_interval', rr: 'rr_interval' }, compare: { op: '<', value: 470, unit: 'ms' } };
const ecog0to1 = { kind: 'answer', observation: 'ecog', in: ['ecog_0', 'ecog_1'] };

describe('computed values', () => {
  it('computes BMI from the latest weight and height, converting units, and shows the inputs', () => {
    const met = judgeFhir(bmiAtLeast30, [weight(95), height(170)]);
    expect(met.status).toBe('met');
    expect(met.explanation).toMatch(/^BMI 32\.9 kg\/m2 \(from Body weight 95 kg, Body height 170 cm\)/);
    expect(met.evidence.map((e) => e.reference)).toEqual(expect.arrayContaining([expect.stringMatching(/^Observation\//), 'Patient/p1']));
    expect(judgeFhir(bmiAtLeast30, [weight(95), height(67, '[in_i]')]).explanation).toMatch(/Body height 170 cm/);
    expect(judgeFhir(bmiAtLeast30, [weight(60), height(170)]).status).toBe('not_met');
  });

  it('is unknown, naming the input, when an input is missing, stale or unreadable', () => {
    const noHeight = judgeFhir(bmiAtLeast30, [weight(95)]);
    expect(noHeight.status).toBe('unknown');
    expect(noHeight.explanation).toMatch(/BMI cannot be computed: no Body height result/);
    expect(judgeFhir(bmiAtLeast30, [weight(95, '2024-01-01T09:00:00Z'), height(170)]).status).toBe('unknown');
    expect(judgeFhir(bmiAtLeast30, [weight(95), lab('8302-2', 'Body height', { valueQuantity: quantity(170, 'kg/m2'), effectiveDateTime: '2026-06-01T09:00:00Z' })]).status).toBe('unknown');
  });

  it('computes eGFR by CKD-EPI 2021 from creatinine, age and sex (female, 51 years, 0.9 mg/dL → 77, as the NKF calculator gives)', () => {
    const result = judgeFhir(egfrAtLeast60, [creatinine(0.9)]);
    expect(result.status).toBe('met');
    expect(result.explanation).toMatch(/^eGFR \(CKD-EPI 2021\) 77\.4 mL\/min\/\{1\.73_m2\}/);
    expect(judgeFhir(egfrAtLeast60, [creatinine(88, 'umol/L')]).explanation).toMatch(/creatinine 0\.995 mg\/dL/);
    expect(judgeFhir(egfrAtLeast60, [creatinine(1.6)]).status).toBe('not_met');
  });

  it('computes QTcF from QT and RR', () => {
    expect(judgeFhir(qtcfBelow470, [qt(400), rr(800)]).explanation).toMatch(/^QTcF 431 ms/);
    expect(judgeFhir(qtcfBelow470, [qt(480), rr(900)]).status).toBe('not_met');
    expect(judgeFhir(qtcfBelow470, [qt(400)]).status).toBe('unknown');
  });
});

describe('coded answers of one observation', () => {
  it('meets on a listed answer, fails on another coded answer, and is unknown with no result at all', () => {
    expect(judgeFhir(ecog0to1, [ecog({ code: 'LA9623-5' })]).status).toBe('met');
    const two = judgeFhir(ecog0to1, [ecog({ code: 'LA9624-3', text: 'Ambulatory, capable of self-care' })]);
    expect(two.status).toBe('not_met');
    expect(two.explanation).toMatch(/not ECOG 0 \(fully active\) or ECOG 1/);
    const none = judgeFhir(ecog0to1, []);
    expect(none.status).toBe('unknown');
    expect(none.explanation).toMatch(/no ECOG performance status result/);
  });

  it('asks a person when the answer is only words', () => {
    const words = judgeFhir(ecog0to1, [ecog({ text: 'ECOG 1' })]);
    expect(words.status).toBe('review');
    expect(words.confirm ?? '').toMatch(/ECOG 1/);
  });
});

describe('partly computable criteria', () => {
  it('a manual criterion with a data rule is not_met where the data rules the patient out, review otherwise', () => {
    const def = trialFileSchema.parse({
      id: 'partly',
      title: 'Partly computable',
      criteria: [{ id: 'p.inc.bmi', type: 'inclusion', text: 'BMI >= 30 confirmed by the investigator', manual: true, rule: bmiAtLeast30 }],
    });
    const trial = compileTrial({ file: 'inline', def, locate: () => undefined }, catalog.terminology);
    const patient = { resourceType: 'Patient', id: 'p1', birthDate: '1975-04-02', gender: 'female' };
    const statusFor = (resources: object[]): string | undefined =>
      evaluate(trial, normalise([patient, ...resources] as never), { asOf: AS_OF }, { version: 'test' }).criteria[0]?.status;
    expect(statusFor([weight(60), height(170)])).toBe('not_met');
    expect(statusFor([weight(95), height(170)])).toBe('review');
    expect(statusFor([weight(95)])).toBe('review');
  });
});

describe('counting drugs, classes and courses', () => {
  const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
  let n = 0;
  const given = (rxnorm: string, display: string, start: string, end?: string): Record<string, unknown> => ({
    resourceType: 'MedicationStatement',
    id: `ms-${++n}`,
    status: end ? 'completed' : 'active',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: rxnorm, display }] },
    subject: { reference: 'Patient/p1' },
    effectivePeriod: { start, ...(end ? { end } : {}) },
  });
  const mmf = (start: string, end?: string): Record<string, unknown> => given('68149', 'mycophenolate mofetil', start, end);
  const cyc = (start: string, end?: string): Record<string, unknown> => given('3002', 'cyclophosphamide', start, end);
  const aza = (start: string, end?: string): Record<string, unknown> => given('1256', 'azathioprine', start, end);
  const oneToTwoImmunosuppressants = { kind: 'medication_count', classes: ['mycophenolate', 'cyclophosphamide', 'azathioprine'], count: 'classes', min: 1, max: 2 };
  const atMostOneCyclophosphamideCourse = { kind: 'medication_count', classes: ['cyclophosphamide'], count: 'episodes', max: 1, gap: '90d' };

  it('meets "1-2 prior immunosuppressants" with one or two classes, not with none or three', () => {
    expect(judgeFhir(oneToTwoImmunosuppressants, [mmf('2022-01-01', '2023-01-01')]).status).toBe('met');
    const two = judgeFhir(oneToTwoImmunosuppressants, [mmf('2022-01-01', '2023-01-01'), cyc('2023-02-01', '2023-08-01')]);
    expect(two.status).toBe('met');
    expect(two.explanation).toMatch(/^2 drug classes of .*needed 1-2/);
    expect(judgeFhir(oneToTwoImmunosuppressants, [mmf('2022-01-01', '2023-01-01'), cyc('2023-02-01', '2023-08-01'), aza('2024-01-01', '2024-06-01')]).status).toBe('not_met');
    expect(judgeFhir(oneToTwoImmunosuppressants, []).status).toBe('not_met');
  });

  it('counts courses across gaps: two cyclophosphamide courses a year apart are two, a 30-day pause is one course', () => {
    expect(judgeFhir(atMostOneCyclophosphamideCourse, [cyc('2022-01-01', '2022-06-01'), cyc('2022-07-01', '2022-12-01')]).status).toBe('met');
    expect(judgeFhir(atMostOneCyclophosphamideCourse, [cyc('2022-01-01', '2022-06-01'), cyc('2023-06-01', '2023-12-01')]).status).toBe('not_met');
  });

  it('is unknown when an exposure without a start date could change the count', () => {
    const undated = { ...cyc('2022-01-01', '2022-06-01'), id: 'ms-undated', effectivePeriod: undefined, dateAsserted: undefined };
    expect(judgeFhir(atMostOneCyclophosphamideCourse, [cyc('2022-01-01', '2022-06-01'), undated]).status).toBe('unknown');
  });

  it('refuses a count that could never be met when the mappings load', () => {
    expect(() => judgeFhir({ ...oneToTwoImmunosuppressants, min: 3, max: 2 }, [])).toThrow(/min is more than max/);
  });
});

describe('anchors the trial declares', () => {
  const def = trialFileSchema.parse({
    id: 'anchored',
    title: 'Anchored',
    anchors: [{ id: 'first-dose', display: 'the first dose of study drug' }],
    criteria: [{ id: 'a.inc.weight', type: 'inclusion', text: 'weight measured within 14 days before the first dose', rule: { kind: 'lab', analyte: 'body_weight', compare: { op: '>', value: 0, unit: 'kg' }, lookback: '14d', anchor: 'first-dose' } }],
  });
  const trial = compileTrial({ file: 'inline', def, locate: () => undefined }, catalog.terminology);
  const patient = { resourceType: 'Patient', id: 'p1', birthDate: '1975-04-02', gender: 'female' };
  const judge = (anchorDates?: Record<string, string>): { status: string; explanation: string } => {
    const c = evaluate(trial, normalise([patient, weight(70, '2026-06-01T09:00:00Z')] as never), { asOf: '2026-06-10', ...(anchorDates ? { anchorDates } : {}) }, { version: 'test' }).criteria[0];
    return { status: c?.status ?? '', explanation: c?.explanation ?? '' };
  };

  it('counts a window back from the date given for the anchor, and from screening when none is given', () => {
    expect(judge({ 'first-dose': '2026-06-10' }).status).toBe('met');
    const late = judge({ 'first-dose': '2026-06-30' });
    expect(late.status).toBe('unknown');
    expect(late.explanation).toMatch(/the first dose of study drug/);
    expect(judge().status).toBe('met');
  });

  it('refuses an anchor the trial does not declare when the mappings load', () => {
    const bad = trialFileSchema.parse({ ...def, anchors: [] });
    const { checkTrial } = jest.requireActual<typeof import('../../src/mapping/compile')>('../../src/mapping/compile');
    const issues = checkTrial({ file: 'inline', def: bad, locate: () => undefined }, catalog.terminology);
    expect(issues.map((i) => i.message)).toEqual([expect.stringMatching(/unknown anchor "first-dose": asOf, leukapheresis, or one declared in the trial's anchors/)]);
  });
});

describe('doses of any drug, and a stable dose', () => {
  const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
  let k = 0;
  const metformin = (mgPerDose: number, timesPerDay: number, start: string, end?: string): Record<string, unknown> => ({
    resourceType: 'MedicationStatement',
    id: `met-${++k}`,
    status: end ? 'completed' : 'active',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '6809', display: 'metformin' }] },
    subject: { reference: 'Patient/p1' },
    effectivePeriod: { start, ...(end ? { end } : {}) },
    dosage: [{ timing: { repeat: { frequency: timesPerDay, period: 1, periodUnit: 'd' } }, doseAndRate: [{ doseQuantity: { value: mgPerDose, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } }] }],
  });
  const stableMetformin = { kind: 'medication', classes: ['biguanides'], ongoing: true, doseMgPerDay: { op: '>=', value: 1500 }, stableFor: '3mo' };

  it('meets "stable metformin >= 1500 mg/day for 3 months" on 1000 mg twice a day since January', () => {
    const met = judgeFhir(stableMetformin, [metformin(1000, 2, '2026-01-01')]);
    expect(met.status).toBe('met');
    expect(met.explanation).toMatch(/2000 mg\/day throughout/);
  });

  it('is not met below the dose, or when the dose changed within the 3 months', () => {
    expect(judgeFhir(stableMetformin, [metformin(500, 2, '2026-01-01')]).status).toBe('not_met');
    expect(judgeFhir(stableMetformin, [metformin(1000, 2, '2026-05-01'), metformin(850, 2, '2026-01-01', '2026-04-30')]).status).toBe('not_met');
  });

  it('is unknown when a dose cannot be read', () => {
    const noDose = { ...metformin(1000, 2, '2026-01-01'), dosage: undefined };
    expect(judgeFhir(stableMetformin, [noDose]).status).toBe('unknown');
  });
});
