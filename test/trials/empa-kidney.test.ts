import { lab, quantity } from '../real-ehr/helpers';
import { CPT, diagnosis, onDrug, procedureDone, replacing, request, RXNORM, screener, SNOMED_CT, statusOf } from './support';

/**
 * EMPA-KIDNEY (NCT03594110), written as a mapping file: an eligible patient, and one that fails
 * each key criterion, as FHIR JSON through the real reader, planned operations included.
 */
const TRIAL = 'empa-kidney';
const PATIENT = { resourceType: 'Patient', id: 'p1', birthDate: '1962-03-10', gender: 'male' };

let n = 0;
const egfr = (value: number, date = '2026-06-10T08:15:00-05:00'): Record<string, unknown> => lab('98979-8', 'eGFR (CKD-EPI 2021)', { valueQuantity: quantity(value, 'mL/min/{1.73_m2}'), effectiveDateTime: date });
/** The same measurement 4 months earlier: CKD "at least 3 months before and at screening". */
const egfrBefore = (value: number): Record<string, unknown> => ({ ...egfr(value, '2026-02-10T08:15:00-05:00'), code: { coding: [{ system: 'http://loinc.org', code: '62238-1', display: 'eGFR (CKD-EPI)' }] } });
const uacr = (value: number): Record<string, unknown> => lab('9318-7', 'Albumin/Creatinine [Mass Ratio] in Urine', { valueQuantity: quantity(value, 'mg/g') });
const sbp = (value: number): Record<string, unknown> => lab('8480-6', 'Systolic blood pressure', { valueQuantity: quantity(value, 'mm[Hg]') });
const alt = (value: number): Record<string, unknown> => lab('1742-6', 'ALT', { valueQuantity: quantity(value, 'U/L'), referenceRange: [{ high: { value: 40, unit: 'U/L' } }] });
const ast = (value: number): Record<string, unknown> => lab('1920-8', 'AST', { valueQuantity: quantity(value, 'U/L'), referenceRange: [{ high: { value: 40, unit: 'U/L' } }] });

/** On lisinopril, eGFR 35, blood pressure and liver tests in range: fits, pending what a person confirms. */
const eligible = (): Record<string, unknown>[] => [onDrug('29046', 'lisinopril'), egfr(35), egfrBefore(38), sbp(132), alt(28), ast(25)];

const screen = screener(TRIAL, PATIENT);

describe('EMPA-KIDNEY (NCT03594110) from its mapping file', () => {
  it('a patient who fits is a potential candidate: every computable criterion met, the rest for a person to confirm', () => {
    const report = screen(eligible());
    expect(report.outcome).toBe('potential-candidate');
    const notMet = report.criteria.filter((c) => c.status === 'not_met' || c.status === 'unknown').map((c) => c.id);
    expect(notMet).toEqual([]);
    expect(statusOf(report, 'ek.inc.ckd')).toBe('met');
    expect(statusOf(report, 'ek.inc.ras')).toBe('review');
    expect(statusOf(report, 'ek.exc.sglt2')).toBe('met');
    expect(report.criteria.filter((c) => c.status === 'review').map((c) => c.id).sort()).toEqual(['ek.exc.blood_pressure', 'ek.exc.compliance', 'ek.inc.investigator', 'ek.inc.ras']);
    // Nothing scheduled: decided by the data.
    expect(statusOf(report, 'ek.exc.bariatric')).toBe('met');
    expect(statusOf(report, 'ek.exc.dialysis_transplant')).toBe('met');
  });

  it.each([
    ['a sleeve gastrectomy two years ago', 'not_met', procedureDone(CPT, '43775', 'Laparoscopic sleeve gastrectomy', '2024-03-12')],
    ['a gastric bypass ordered for September', 'not_met', request(CPT, '43644', 'Laparoscopic Roux-en-Y gastric bypass', '2026-09-14')],
    ['a gastric bypass in preparation', 'not_met', { ...procedureDone(CPT, '43644', 'Laparoscopic Roux-en-Y gastric bypass', '2026-07-20'), status: 'preparation' }],
    ['a gastric bypass only proposed', 'review', request(CPT, '43644', 'Laparoscopic Roux-en-Y gastric bypass', '2026-09-14', { intent: 'proposal' })],
    ['a gastric bypass ordered and then revoked', 'met', request(CPT, '43644', 'Laparoscopic Roux-en-Y gastric bypass', '2026-09-14', { status: 'revoked' })],
    ['a request that a gastric bypass not be done', 'met', request(CPT, '43644', 'Laparoscopic Roux-en-Y gastric bypass', undefined, { doNotPerform: true })],
    ['a gastric bypass order from 2024 still open', 'review', request(CPT, '43644', 'Laparoscopic Roux-en-Y gastric bypass', '2024-02-01')],
  ])('previous or scheduled bariatric surgery: with %s, ek.exc.bariatric is %s', (_what, expected, added) => {
    expect(statusOf(screen([...eligible(), added]), 'ek.exc.bariatric')).toBe(expected);
  });

  it('asks whether a planned kidney transplant is a scheduled living-donor one, rather than excluding a patient on a waiting list', () => {
    const planned = screen([...eligible(), request(SNOMED_CT, '70536003', 'Transplantation of kidney', undefined, { intent: 'plan' })]);
    const criterion = planned.criteria.find((c) => c.id === 'ek.exc.dialysis_transplant');
    expect(criterion?.status).toBe('review');
    expect(criterion?.confirm).toMatch(/living donor/);
  });

  it('needs CKD shown at least 3 months before screening as well as now', () => {
    const onlyNow = screen(eligible().filter((r) => !JSON.stringify(r).includes('62238-1')));
    expect(statusOf(onlyNow, 'ek.inc.ckd')).toBe('unknown');
    expect(onlyNow.criteria.find((c) => c.id === 'ek.inc.ckd')?.explanation).toMatch(/no Estimated glomerular filtration rate .*result 3 months or more earlier/);
    const wasNormal = screen([...eligible().filter((r) => !JSON.stringify(r).includes('62238-1')), egfrBefore(95)]);
    expect(statusOf(wasNormal, 'ek.inc.ckd')).toBe('not_met');
  });

  it.each([
    ['already on an SGLT-2 inhibitor', 'ek.exc.sglt2', [onDrug('1545653', 'empagliflozin')]],
    ['eGFR 60 with albuminuria below 200 mg/g', 'ek.inc.ckd', [egfr(60), uacr(50)]],
    ['on an ACE inhibitor and an ARB together', 'ek.exc.dual_ras', [onDrug('52175', 'losartan')]],
    ['on maintenance dialysis', 'ek.exc.dialysis_transplant', [diagnosis('Z99.2', 'Dependence on renal dialysis')]],
    ['polycystic kidney disease', 'ek.exc.pkd', [diagnosis('Q61.3', 'Polycystic kidney, unspecified')]],
    ['diabetic ketoacidosis two years ago', 'ek.exc.ketoacidosis', [diagnosis('E11.10', 'Type 2 diabetes mellitus with ketoacidosis without coma', '2024-05-01')]],
    ['systolic blood pressure 190', 'ek.exc.blood_pressure', [sbp(190)]],
    ['ALT 4 × ULN', 'ek.exc.liver', [alt(160)]],
    ['type 2 diabetes, coronary disease and eGFR 70', 'ek.exc.t2dm_ascvd', [diagnosis('E11.9', 'Type 2 diabetes mellitus without complications'), diagnosis('I25.10', 'Atherosclerotic heart disease'), egfr(70), uacr(500)]],
  ])('is ineligible when %s: %s not met', (_what, criterion, changes) => {
    const report = screen(replacing(eligible(), changes));
    expect({ outcome: report.outcome, failing: statusOf(report, criterion) }).toEqual({ outcome: 'ineligible', failing: 'not_met' });
  });

  it('is unknown, not ineligible, where the data needed is missing (no eGFR, no blood pressure)', () => {
    const report = screen([onDrug('29046', 'lisinopril'), alt(28), ast(25)]);
    expect(report.outcome).toBe('potential-candidate');
    expect(statusOf(report, 'ek.inc.ckd')).toBe('unknown');
    expect(statusOf(report, 'ek.exc.blood_pressure')).toBe('unknown');
  });
});

describe('EMPA-KIDNEY intravenous immunosuppression (route filter)', () => {
  const cyclophosphamide = (route?: { code: string; display: string }): Record<string, unknown> => ({
    resourceType: 'MedicationAdministration',
    id: `ma-${++n}`,
    status: 'completed',
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '3002', display: 'cyclophosphamide' }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2026-05-01',
    ...(route ? { dosage: { route: { coding: [{ system: 'http://snomed.info/sct', ...route }] } } } : {}),
  });
  it('excludes an intravenous course, not an oral one, and asks when no route is recorded', () => {
    expect(statusOf(screen([...eligible(), cyclophosphamide({ code: '47625008', display: 'Intravenous route' })]), 'ek.exc.immunosuppression')).toBe('not_met');
    expect(statusOf(screen([...eligible(), cyclophosphamide({ code: '26643006', display: 'Oral route' })]), 'ek.exc.immunosuppression')).toBe('met');
    const unrouted = screen([...eligible(), cyclophosphamide()]);
    expect(statusOf(unrouted, 'ek.exc.immunosuppression')).toBe('review');
    expect(unrouted.criteria.find((c) => c.id === 'ek.exc.immunosuppression')?.confirm).toMatch(/recorded without a route: confirm it was given intravenous/);
  });
});
