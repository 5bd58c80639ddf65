import { lab, quantity } from '../real-ehr/helpers';
import { diagnosis, onDrug, replacing, RXNORM, screener, statusOf } from './support';

/**
 * SOTA-MET (NCT02926950), written as a mapping file with no code change: an eligible patient
 * and one failing each key criterion, as FHIR JSON through the real reader. The metformin dose is
 * read from a tablet product and its dosage, as an EHR's medication list sends it; insulin is
 * counted outside the pregnancies with gestational diabetes (anchors read from the record).
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
    ['a fasting glucose of 16.2 mmol/L repeated at 15.9 a week earlier', 'sm.exc.fpg', [...replacing(eligible(), [fpg(16.2)]), fpg(15.9, '2026-06-03T07:30:00-05:00')]],
    ['ketoacidosis 6 weeks ago', 'sm.exc.dka_hhs', [...eligible(), diagnosis('E11.10', 'Type 2 diabetes mellitus with ketoacidosis without coma', '2026-05-01')]],
  ])('is ineligible with %s: %s not met', (_what, criterion, resources) => {
    const report = screen(resources);
    expect({ outcome: report.outcome, failing: statusOf(report, criterion) }).toEqual({ outcome: 'ineligible', failing: 'not_met' });
  });

  it('asks a person, rather than ruling out, about a lower metformin dose (documented intolerance)', () => {
    const lowDose = screen([...withoutMetformin(), metformin(500, 2, '2025-09-01')]);
    expect(statusOf(lowDose, 'sm.inc.metformin')).toBe('review');
    expect(lowDose.outcome).toBe('potential-candidate');
  });

  describe('insulin for more than a month, except in a pregnancy with gestational diabetes', () => {
    const insulinStatus = (resources: Record<string, unknown>[]): string | undefined => statusOf(screen([...eligible(), ...resources]), 'sm.exc.insulin');
    const insulinResult = (resources: Record<string, unknown>[]): NonNullable<ReturnType<typeof screen>['criteria'][number]> => {
      const found = screen([...eligible(), ...resources]).criteria.find((c) => c.id === 'sm.exc.insulin');
      if (!found) throw new Error('no sm.exc.insulin');
      return found;
    };
    /** Gestational diabetes of one pregnancy, from its diagnosis to delivery. */
    const gdm = (onset: string, delivered?: string): Record<string, unknown> => ({
      ...diagnosis('O24.414', 'Gestational diabetes mellitus in pregnancy, insulin controlled', onset),
      ...(delivered ? { abatementDateTime: delivered, clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] } } : {}),
    });

    it('reads "more than 1 month" exactly: 30 days of insulin is not excluded, 31 days is', () => {
      expect(insulinStatus([insulinCourse('2023-01-01', '2023-01-30')])).toBe('met');
      expect(insulinStatus([insulinCourse('2023-01-01', '2023-01-31')])).toBe('not_met');
    });

    it('does not count insulin given during the pregnancy with gestational diabetes, nor three weeks of it after delivery', () => {
      const pregnancy = [gdm('2022-11-01', '2023-05-02'), insulinCourse('2022-11-01', '2023-05-02')];
      const r = screen([...eligible(), ...pregnancy]);
      expect({ outcome: r.outcome, insulin: statusOf(r, 'sm.exc.insulin') }).toEqual({ outcome: 'potential-candidate', insulin: 'met' });
      expect(insulinStatus([...pregnancy, insulinCourse('2023-05-03', '2023-05-24')])).toBe('met');
    });

    it('excludes more than a month of insulin before that pregnancy or after it', () => {
      const pregnancy = [gdm('2022-11-01', '2023-05-02'), insulinCourse('2022-12-01', '2023-05-02')];
      const after = screen([...eligible(), ...pregnancy, insulinCourse('2024-02-01', '2024-04-01')]);
      expect({ outcome: after.outcome, insulin: statusOf(after, 'sm.exc.insulin') }).toEqual({ outcome: 'ineligible', insulin: 'not_met' });
      expect(insulinStatus([...pregnancy, insulinCourse('2021-01-01', '2021-03-01')])).toBe('not_met');
    });

    it('leaves out the days of every pregnancy with gestational diabetes, and adds up what lies outside them', () => {
      const twoPregnancies = [gdm('2018-10-01', '2019-04-01'), insulinCourse('2018-11-01', '2019-04-01'), gdm('2022-11-01', '2023-05-02'), insulinCourse('2022-12-01', '2023-05-02')];
      const two = insulinResult(twoPregnancies);
      expect(two.status).toBe('met');
      expect(two.evidence).toEqual(expect.arrayContaining([expect.objectContaining({ date: '2018-10-01', note: 'its days of exposure are not counted' })]));
      // Three weeks before one pregnancy and three weeks after it: 44 days outside, more than a month in all.
      const bothSides = [gdm('2022-11-01', '2023-05-02'), insulinCourse('2022-12-01', '2023-05-02'), insulinCourse('2022-10-10', '2022-10-31'), insulinCourse('2023-05-03', '2023-05-24')];
      expect(insulinStatus(bothSides)).toBe('not_met');
      expect(insulinStatus([gdm('2022-11-01', '2023-05-02'), insulinCourse('2022-10-20', '2022-10-31'), insulinCourse('2023-05-03', '2023-05-10')])).toBe('met');
    });

    it('asks a person when only the history code says there was gestational diabetes: no pregnancy is dated', () => {
      const r = insulinResult([insulinCourse('2023-01-10', '2023-04-15'), diagnosis('Z86.32', 'Personal history of gestational diabetes', '2024-01-15')]);
      expect(r.status).toBe('review');
      expect(r.confirm).toMatch(/given in pregnancy for gestational diabetes/);
    });

    it('is unknown, saying what is missing, when the gestational diabetes was never closed or has no onset', () => {
      const open = insulinResult([insulinCourse('2023-01-10', '2023-04-15'), gdm('2022-11-01')]);
      expect(open.status).toBe('unknown');
      expect(open.explanation).toMatch(/between 0 and 96 days of exposure .*from 2022-11-01 has no abatement date/);
      const undated = insulinResult([insulinCourse('2023-01-10', '2023-04-15'), { ...gdm('2022-11-01', '2023-05-02'), onsetDateTime: undefined }]);
      expect(undated.status).toBe('unknown');
      expect(undated.explanation).toMatch(/has no onset date/);
      // Insulin far from the only pregnancy, never closed, still counts: more than a month before its onset.
      expect(insulinStatus([insulinCourse('2019-01-10', '2019-04-15'), gdm('2022-11-01')])).toBe('not_met');
    });
  });

  it('reads a fasting glucose in mg/dL against the mmol/L threshold and excludes only a high result confirmed by a repeat within 4 weeks', () => {
    const mgPerDl = (value: number, date: string): Record<string, unknown> => lab('1558-6', 'Fasting glucose [Mass/volume] in Serum or Plasma', { valueQuantity: quantity(value, 'mg/dL'), effectiveDateTime: date });
    const noFpg = eligible().filter((r) => !JSON.stringify(r).includes('14771-0'));
    const twiceHigh = screen([...noFpg, mgPerDl(300, '2026-06-10T07:30:00-05:00'), mgPerDl(290, '2026-06-02T07:30:00-05:00')]);
    expect(twiceHigh.criteria.find((c) => c.id === 'sm.exc.fpg')).toMatchObject({ status: 'not_met', explanation: expect.stringMatching(/300 mg\/dL .*needed > 15 mmol\/L.*confirmed by .*290 mg\/dL/) });
    expect(twiceHigh.outcome).toBe('ineligible');
    // A high value three years ago is no repeat test: the latest may be the first of the pair.
    const yearsApart = screen([...replacing(eligible(), [fpg(16.2)]), fpg(15.8, '2023-06-03T07:30:00-05:00')]);
    expect(yearsApart.criteria.find((c) => c.id === 'sm.exc.fpg')).toMatchObject({ status: 'unknown', explanation: expect.stringMatching(/repeat test may be still to come/) });
    // Nor is a lower one before it, or the same result sent twice on one day.
    expect(statusOf(screen([...replacing(eligible(), [fpg(16.2)]), fpg(12.1, '2026-06-01T07:30:00-05:00')]), 'sm.exc.fpg')).toBe('unknown');
    expect(statusOf(screen([...replacing(eligible(), [fpg(16.2)]), fpg(16.2, '2026-06-10T09:30:00-05:00')]), 'sm.exc.fpg')).toBe('unknown');
    // The latest at or below 15 decides, whatever came before it.
    expect(statusOf(screen([...noFpg, mgPerDl(250, '2026-06-10T07:30:00-05:00'), mgPerDl(300, '2026-06-02T07:30:00-05:00')]), 'sm.exc.fpg')).toBe('met');
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
