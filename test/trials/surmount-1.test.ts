import { lab, quantity } from '../real-ehr/helpers';
import { diagnosis, replacing, screener, statusOf } from './support';

/**
 * SURMOUNT-1 (NCT04184622), written as a mapping file with no code change: an eligible patient
 * and one failing each key criterion, as FHIR JSON through the real reader.
 */
const TRIAL = 'surmount-1';
const PATIENT = { resourceType: 'Patient', id: 'p1', birthDate: '1980-02-14', gender: 'female' };
const weight = (kg: number, date: string): Record<string, unknown> => lab('29463-7', 'Body weight', { valueQuantity: quantity(kg, 'kg'), effectiveDateTime: date });
const height = (cm: number): Record<string, unknown> => lab('8302-2', 'Body height', { valueQuantity: quantity(cm, 'cm'), effectiveDateTime: '2026-06-01T09:00:00Z' });
const hba1c = (value: number, unit: string): Record<string, unknown> => lab('4548-4', 'Hemoglobin A1c', { valueQuantity: quantity(value, unit) });

/** BMI 32.7 from weight and height, stable weight, HbA1c 5.4 %. */
const eligible = (): Record<string, unknown>[] => [weight(99, '2026-04-01T09:00:00Z'), weight(100, '2026-06-01T09:00:00Z'), height(175), hba1c(5.4, '%')];

const screen = screener(TRIAL, PATIENT);

describe('SURMOUNT-1 (NCT04184622) from its mapping file', () => {
  it('a patient who fits is a potential candidate with nothing unknown; BMI is computed from weight and height', () => {
    const report = screen(eligible());
    expect(report.criteria.filter((c) => c.status === 'not_met' || c.status === 'unknown').map((c) => c.id)).toEqual([]);
    expect(report.outcome).toBe('potential-candidate');
    expect(report.criteria.find((c) => c.id === 's1.inc.bmi')?.explanation).toMatch(/BMI 32\.7 kg\/m2/);
  });

  it('takes BMI 27-30 only with a weight-related comorbidity', () => {
    const overweight = [weight(84, '2026-04-01T09:00:00Z'), weight(85, '2026-06-01T09:00:00Z'), height(175), hba1c(5.4, '%')];
    expect(statusOf(screen(overweight), 's1.inc.bmi')).toBe('not_met');
    expect(statusOf(screen([...overweight, diagnosis('I10', 'Essential hypertension')]), 's1.inc.bmi')).toBe('met');
  });

  it.each([
    ['an HbA1c of 50 mmol/mol (6.7 % NGSP)', 's1.exc.diabetes', [hba1c(50, 'mmol/mol')]],
    ['type 2 diabetes', 's1.exc.diabetes', [diagnosis('E11.9', 'Type 2 diabetes mellitus without complications')]],
    ['8 kg lost in 3 months', 's1.exc.weight_change', [weight(108, '2026-03-20T09:00:00Z')]],
    ['a history of pancreatitis', 's1.exc.pancreatitis', [diagnosis('K85.90', 'Acute pancreatitis without necrosis or infection, unspecified')]],
    ['MEN-2A', 's1.exc.mtc_men2', [diagnosis('E31.22', 'Multiple endocrine neoplasia [MEN] type IIA')]],
    ['a past suicide attempt', 's1.exc.suicide_attempt', [diagnosis('Z91.51', 'Personal history of suicidal behavior')]],
  ])('is ineligible with %s: %s not met', (_what, criterion, changes) => {
    // An older weight joins the series rather than replacing it: the weight change is a trend.
    const isWeight = (r: object): boolean => JSON.stringify(r).includes('29463-7');
    const report = screen([...replacing(eligible(), changes.filter((c) => !isWeight(c))), ...changes.filter(isWeight)]);
    expect({ outcome: report.outcome, failing: statusOf(report, criterion) }).toEqual({ outcome: 'ineligible', failing: 'not_met' });
  });

  it('is unknown without a height or a BMI, never computed from a guess', () => {
    const report = screen([weight(100, '2026-06-01T09:00:00Z'), hba1c(5.4, '%')]);
    expect(statusOf(report, 's1.inc.bmi')).toBe('unknown');
  });
});
