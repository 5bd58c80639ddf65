import { lab, quantity } from '../real-ehr/helpers';
import { diagnosis, ICD10, relative, replacing, screener, SNOMED_CT, statusOf } from './support';

/**
 * SURMOUNT-1 (NCT04184622), written as a mapping file: an eligible patient and one failing each
 * key criterion, as FHIR JSON through the real reader, the family history included.
 */
const TRIAL = 'surmount-1';
const PATIENT = { resourceType: 'Patient', id: 'p1', birthDate: '1980-02-14', gender: 'female' };
const weight = (kg: number, date: string): Record<string, unknown> => lab('29463-7', 'Body weight', { valueQuantity: quantity(kg, 'kg'), effectiveDateTime: date });
const height = (cm: number): Record<string, unknown> => lab('8302-2', 'Body height', { valueQuantity: quantity(cm, 'cm'), effectiveDateTime: '2026-06-01T09:00:00Z' });
const hba1c = (value: number, unit: string): Record<string, unknown> => lab('4548-4', 'Hemoglobin A1c', { valueQuantity: quantity(value, unit) });

const essentialHypertension = { coding: [{ system: ICD10, code: 'I10', display: 'Essential (primary) hypertension' }] };
const men2a = { coding: [{ system: ICD10, code: 'E31.22', display: 'Multiple endocrine neoplasia [MEN] type IIA' }] };
/** A family history taken: the father's hypertension, nothing else. */
const familyHistory = (): Record<string, unknown> => relative('FTH', 'father', [essentialHypertension]);

/** BMI 32.7 from weight and height, stable weight, HbA1c 5.4 %, a family history without MTC. */
const eligible = (): Record<string, unknown>[] => [weight(99, '2026-04-01T09:00:00Z'), weight(100, '2026-06-01T09:00:00Z'), height(175), hba1c(5.4, '%'), familyHistory()];

const screen = screener(TRIAL, PATIENT);

describe('SURMOUNT-1 (NCT04184622) from its mapping file', () => {
  it('a patient who fits is eligible, only the manual criteria left to a person; BMI is computed from weight and height', () => {
    const report = screen(eligible());
    expect(report.criteria.filter((c) => c.status === 'not_met' || c.status === 'unknown').map((c) => c.id)).toEqual([]);
    expect(report.outcome).toBe('eligible');
    expect(report.criteria.filter((c) => c.status === 'review').map((c) => c.id)).toEqual(['s1.inc.diet', 's1.exc.psychiatric']);
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

  it.each([
    ['a mother with MEN-2A', 'not_met', [relative('MTH', 'mother', [men2a])]],
    ['a stepfather with MEN-2A (not a blood relative)', 'met', [relative('STPFTH', 'stepfather', [men2a])]],
    ['a relative named only in words, with MEN-2A', 'review', [{ ...relative('FTH', '', [men2a]), relationship: { text: 'Uncle (mother\'s side)' } }]],
    ['medullary thyroid cancer written only in words', 'review', [relative('SIS', 'sister', [{ text: 'Medullary thyroid cancer, age 41' }])]],
    ['a mother whose history is unknown', 'unknown', [relative('MTH', 'mother', [], { status: 'health-unknown' })]],
    ['a father whose history was withheld', 'unknown', [relative('FTH', 'father', [], { dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/history-absent-reason', code: 'withheld' }] } })]],
    ['an MEN-2A record entered in error', 'met', [relative('MTH', 'mother', [men2a], { status: 'entered-in-error' })]],
  ])('family history: with %s, s1.exc.mtc_men2 is %s', (_what, expected, added) => {
    expect(statusOf(screen([...eligible(), ...added]), 's1.exc.mtc_men2')).toBe(expected);
  });

  it.each([
    ['"no known family history" (SNOMED CT 160266009)', 'met', relative('FAMMEMB', 'family member', [{ coding: [{ system: SNOMED_CT, code: '160266009', display: 'No family history of clinical finding' }] }])],
    ['only a partial family history', 'unknown', relative('FTH', 'father', [essentialHypertension], { status: 'partial' })],
  ])('family history: with %s as the whole family history, s1.exc.mtc_men2 is %s', (_what, expected, instead) => {
    expect(statusOf(screen([...eligible().filter((r) => r.resourceType !== 'FamilyMemberHistory'), instead]), 's1.exc.mtc_men2')).toBe(expected);
  });

  it('does not take a record without any family history as "no family history": unknown, never met', () => {
    const report = screen(eligible().filter((r) => r.resourceType !== 'FamilyMemberHistory'));
    const mtc = report.criteria.find((c) => c.id === 's1.exc.mtc_men2');
    expect(mtc?.status).toBe('unknown');
    expect(mtc?.missing?.join(' ')).toMatch(/no family history recorded/);
    expect(report.outcome).toBe('potential-candidate');
  });

  it('is unknown without a height or a BMI, never computed from a guess', () => {
    const report = screen([weight(100, '2026-06-01T09:00:00Z'), hba1c(5.4, '%')]);
    expect(statusOf(report, 's1.inc.bmi')).toBe('unknown');
  });
});
