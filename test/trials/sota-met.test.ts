import { lab, quantity } from '../real-ehr/helpers';
import { diagnosis, onDrug, replacing, RXNORM, screener, statusOf } from './support';

/**
 * SOTA-MET (NCT02926950), written as a mapping file with no code change: an eligible patient
 * and one failing each key criterion, as FHIR JSON through the real reader. The metformin dose is
 * read from a tablet product and its dosage, as an EHR's medication list sends it.
 */
const TRIAL = 'sota-met';
const PATIENT = { resourceType: 'Patient', id: 'p1', birthDate: '1968-11-22', gender: 'male' };

let n = 0;
/** Metformin 1000 mg (or 500 mg) tablets, `perDay` a day, since `start`. */
const metformin = (tabletMg: 500 | 1000, perDay: number, start: string, end?: string): Record<string, unknown> => ({
  resourceType: 'MedicationStatement',
  id: `met-${++n}`,
  status: end ? 'completed' : 'active',
  medicationCodeableConcept: { coding: [{ system: RXNORM, code: tabletMg === 1000 ? '861004' : '861007', display: `metformin hydrochloride ${tabletMg} MG Oral Tablet` }] },
  subject: { reference: 'Patient/p1' },
  effectivePeriod: { start, ...(end ? { end } : {}) },
  dosage: [{ timing: { repeat: { frequency: perDay, period: 1, periodUnit: 'd' } }, doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet', system: 'http://unitsofmeasure.org', code: '{tbl}' } }] }],
});
const weight = (kg: number): Record<string, unknown> => lab('29463-7', 'Body weight', { valueQuantity: quantity(kg, 'kg') });
const height = (cm: number): Record<string, unknown> => lab('8302-2', 'Body height', { valueQuantity: quantity(cm, 'cm') });
const hba1c = (value: number, unit = '%'): Record<string, unknown> => lab('4548-4', 'Hemoglobin A1c', { valueQuantity: quantity(value, unit) });
const fpg = (mmolPerL: number, date = '2026-06-10T07:30:00-05:00'): Record<string, unknown> => lab('14771-0', 'Fasting glucose [Moles/volume] in Serum or Plasma', { valueQuantity: quantity(mmolPerL, 'mmol/L'), effectiveDateTime: date });
const procedure = (cpt: string, display: string, date: string): Record<string, unknown> => ({
  resourceType: 'Procedure',
  id: `proc-${++n}`,
  status: 'completed',
  code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: cpt, display }] },
  subject: { reference: 'Patient/p1' },
  performedDateTime: date,
});
const insulinCourse = (start: string, end: string): Record<string, unknown> => ({ ...onDrug('274783', 'insulin glargine', start), status: 'completed', effectivePeriod: { start, end } });

/** Type 2 diabetes on 1000 mg metformin twice a day since last September; BMI 29, HbA1c 8.1 %, FPG 9 mmol/L. */
const eligible = (): Record<string, unknown>[] => [
  diagnosis('E11.9', 'Type 2 diabetes mellitus without complications', '2019-05-01'),
  metformin(1000, 2, '2025-09-01'),
  weight(92),
  height(178),
  hba1c(8.1),
  fpg(9),
];

const screen = screener(TRIAL, PATIENT);
const withoutMetformin = (): Record<string, unknown>[] => eligible().filter((r) => r.resourceType !== 'MedicationStatement');

describe('SOTA-MET (NCT02926950) from its mapping file', () => {
  it('a patient who fits is a potential candidate with nothing unknown: the metformin dose is read from the tablets, diet and exercise a person confirms', () => {
    const report = screen(eligible());
    expect(report.outcome).toBe('potential-candidate');
    expect(report.criteria.filter((c) => c.status === 'not_met' || c.status === 'unknown').map((c) => c.id)).toEqual([]);
    expect(report.criteria.find((c) => c.id === 'sm.inc.metformin')?.explanation).toMatch(/2000 mg\/day/);
    expect(report.criteria.filter((c) => c.status === 'review').map((c) => c.id).sort()).toEqual(['sm.exc.blood_pressure', 'sm.exc.contraception', 'sm.inc.consent', 'sm.inc.metformin']);
  });

  it.each([
    ['no metformin', 'sm.inc.metformin', withoutMetformin()],
    ['metformin started 6 weeks ago', 'sm.inc.metformin', [...withoutMetformin(), metformin(1000, 2, '2026-05-01')]],
    ['type 1 diabetes', 'sm.exc.t1dm', [...eligible(), diagnosis('E10.9', 'Type 1 diabetes mellitus without complications')]],
    ['a BMI of 46', 'sm.exc.bmi', replacing(eligible(), [weight(146)])],
    ['a BMI of 19.6', 'sm.exc.bmi', replacing(eligible(), [weight(62)])],
    ['an HbA1c of 6.6 %', 'sm.exc.hba1c', replacing(eligible(), [hba1c(6.6)])],
    ['an HbA1c of 91 mmol/mol (10.5 % NGSP)', 'sm.exc.hba1c', replacing(eligible(), [hba1c(91, 'mmol/mol')])],
    ['sitagliptin within the 12 weeks', 'sm.exc.other_antidiabetic', [...eligible(), onDrug('593411', 'sitagliptin', '2026-04-20')]],
    ['three months of insulin glargine in 2023', 'sm.exc.insulin', [...eligible(), insulinCourse('2023-01-10', '2023-04-15')]],
    ['a sleeve gastrectomy two years ago', 'sm.exc.gastric_surgery', [...eligible(), procedure('43775', 'Laparoscopy, surgical, gastric restrictive procedure; longitudinal gastrectomy', '2024-06-01')]],
    ['ketoacidosis 6 weeks ago', 'sm.exc.dka_hhs', [...eligible(), diagnosis('E11.10', 'Type 2 diabetes mellitus with ketoacidosis without coma', '2026-05-01')]],
  ])('is ineligible with %s: %s not met', (_what, criterion, resources) => {
    const report = screen(resources);
    expect({ outcome: report.outcome, failing: statusOf(report, criterion) }).toEqual({ outcome: 'ineligible', failing: 'not_met' });
  });

  it('asks a person, rather than ruling out, about a lower metformin dose (documented intolerance) and insulin with gestational diabetes', () => {
    const lowDose = screen([...withoutMetformin(), metformin(500, 2, '2025-09-01')]);
    expect(statusOf(lowDose, 'sm.inc.metformin')).toBe('review');
    expect(lowDose.outcome).toBe('potential-candidate');
    const gestational = screen([...eligible(), insulinCourse('2023-01-10', '2023-04-15'), diagnosis('O24.419', 'Gestational diabetes mellitus in pregnancy, unspecified control', '2022-11-01')]);
    expect(statusOf(gestational, 'sm.exc.insulin')).toBe('review');
  });

  it('reads a fasting glucose in mg/dL against the mmol/L threshold; two high results are for a person to confirm as the test and its repeat', () => {
    const mgPerDl = (value: number, date: string): Record<string, unknown> => lab('1558-6', 'Fasting glucose [Mass/volume] in Serum or Plasma', { valueQuantity: quantity(value, 'mg/dL'), effectiveDateTime: date });
    const noFpg = eligible().filter((r) => !JSON.stringify(r).includes('14771-0'));
    const twiceHigh = screen([...noFpg, mgPerDl(300, '2026-06-10T07:30:00-05:00'), mgPerDl(290, '2026-06-02T07:30:00-05:00')]);
    expect(twiceHigh.criteria.find((c) => c.id === 'sm.exc.fpg')).toMatchObject({ status: 'review', explanation: expect.stringMatching(/300 mg\/dL .*needed > 15 mmol\/L/) });
    // persistsFor bounds nothing on the earlier result: a high value three years ago is no repeat test.
    const yearsApart = screen([...replacing(eligible(), [fpg(16.2)]), fpg(15.8, '2023-06-03T07:30:00-05:00')]);
    expect(statusOf(yearsApart, 'sm.exc.fpg')).toBe('review');
    expect(statusOf(screen([...noFpg, mgPerDl(250, '2026-06-10T07:30:00-05:00')]), 'sm.exc.fpg')).toBe('met');
  });

  it('is unknown, not a person\'s sign-off, when the metformin dose cannot be read', () => {
    const noDose = { ...metformin(1000, 2, '2025-09-01'), dosage: undefined };
    expect(statusOf(screen([...withoutMetformin(), noDose]), 'sm.inc.metformin')).toBe('unknown');
  });

  it('does not exclude an operation older than 3 years', () => {
    const old = screen([...eligible(), procedure('43770', 'Laparoscopy, surgical, gastric restrictive procedure; placement of adjustable gastric restrictive device', '2020-03-01')]);
    expect(statusOf(old, 'sm.exc.gastric_surgery')).toBe('met');
  });
});
