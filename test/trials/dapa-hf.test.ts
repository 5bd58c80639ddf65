import { lab, quantity, SNOMED } from '../real-ehr/helpers';
import { diagnosis, replacing, RXNORM, screener, statusOf } from './support';

/**
 * DAPA-HF (NCT03036124), written as a mapping file with no code change: an eligible patient and
 * one failing each key criterion, as FHIR JSON through the real reader.
 */
const TRIAL = 'dapa-hf';
const PATIENT = { resourceType: 'Patient', id: 'p1', birthDate: '1960-05-20', gender: 'male' };

let n = 0;
const nyha = (snomed: string, display: string): Record<string, unknown> => lab('88020-3', 'Functional capacity NYHA', { valueCodeableConcept: { coding: [{ system: SNOMED, code: snomed, display }] } });
const lvef = (value: number): Record<string, unknown> => lab('10230-1', 'Left ventricular Ejection fraction', { valueQuantity: quantity(value, '%') });
const ntprobnp = (value: number): Record<string, unknown> => lab('33762-6', 'NT-proBNP', { valueQuantity: quantity(value, 'pg/mL') });
const egfr = (value: number): Record<string, unknown> => lab('98979-8', 'eGFR (CKD-EPI 2021)', { valueQuantity: quantity(value, 'mL/min/{1.73_m2}') });
const sbp = (value: number): Record<string, unknown> => lab('8480-6', 'Systolic blood pressure', { valueQuantity: quantity(value, 'mm[Hg]') });
const dapagliflozin = (start: string): Record<string, unknown> => ({
  resourceType: 'MedicationStatement',
  id: `ms-${++n}`,
  status: 'active',
  medicationCodeableConcept: { coding: [{ system: RXNORM, code: '1488564', display: 'dapagliflozin' }] },
  subject: { reference: 'Patient/p1' },
  effectivePeriod: { start },
});

const HF = (): Record<string, unknown> => diagnosis('I50.22', 'Chronic systolic (congestive) heart failure');
const eligible = (): Record<string, unknown>[] => [HF(), nyha('421704003', 'NYHA class II'), lvef(30), ntprobnp(1200), egfr(55), sbp(118)];

const screen = screener(TRIAL, PATIENT);
/** The eligible patient with some measurements replaced (same LOINC code) or added. */
const variant = (changes: Record<string, unknown>[]): ReturnType<typeof screen> => screen(replacing(eligible(), changes));

describe('DAPA-HF (NCT03036124) from its mapping file', () => {
  it('a patient who fits is a potential candidate with nothing unknown: the rest is for a person to confirm', () => {
    const report = screen(eligible());
    expect(report.outcome).toBe('potential-candidate');
    expect(report.criteria.filter((c) => c.status === 'not_met' || c.status === 'unknown').map((c) => c.id)).toEqual([]);
    expect(statusOf(report, 'dh.inc.lvef')).toBe('met');
    expect(statusOf(report, 'dh.inc.ntprobnp')).toBe('met');
    expect(statusOf(report, 'dh.inc.egfr')).toBe('met');
  });

  it.each([
    ['NYHA class I', 'dh.inc.hfref', [nyha('420300004', 'NYHA class I')]],
    ['LVEF 50%', 'dh.inc.lvef', [lvef(50)]],
    ['NT-proBNP 300 pg/mL', 'dh.inc.ntprobnp', [ntprobnp(300)]],
    ['atrial fibrillation with NT-proBNP 700', 'dh.inc.ntprobnp', [diagnosis('I48.91', 'Unspecified atrial fibrillation'), ntprobnp(700)]],
    ['eGFR 25', 'dh.inc.egfr', [egfr(25)]],
    ['dapagliflozin started a month ago', 'dh.exc.sglt2', [dapagliflozin('2026-05-10')]],
    ['type 1 diabetes', 'dh.exc.t1dm', [diagnosis('E10.9', 'Type 1 diabetes mellitus without complications')]],
    ['systolic BP 88', 'dh.exc.hypotension', [sbp(88)]],
    ['a myocardial infarction 4 weeks ago', 'dh.exc.cv_event', [diagnosis('I21.4', 'NSTEMI', '2026-05-18')]],
    ['complete heart block without a pacemaker', 'dh.exc.heart_block', [diagnosis('I44.2', 'Atrioventricular block, complete')]],
  ])('is ineligible with %s: %s not met', (_what, criterion, changes) => {
    const report = variant(changes);
    expect({ outcome: report.outcome, failing: statusOf(report, criterion) }).toEqual({ outcome: 'ineligible', failing: 'not_met' });
  });

  it('asks a person, rather than ruling out, where only a recent hospitalisation would qualify (NT-proBNP 500)', () => {
    const report = variant([ntprobnp(500)]);
    expect(statusOf(report, 'dh.inc.ntprobnp')).toBe('review');
    expect(report.outcome).toBe('potential-candidate');
  });

  it('computes eGFR by CKD-EPI 2021 from creatinine where no eGFR is reported, and is unknown without NYHA class', () => {
    const fromCreatinine = screen([...eligible().filter((r) => JSON.stringify(r).indexOf('98979-8') < 0), lab('2160-0', 'Creatinine', { valueQuantity: quantity(1.1, 'mg/dL') })]);
    expect(statusOf(fromCreatinine, 'dh.inc.egfr')).toBe('met');
    const noNyha = screen(eligible().filter((r) => JSON.stringify(r).indexOf('88020-3') < 0));
    expect(statusOf(noNyha, 'dh.inc.hfref')).toBe('unknown');
  });
});
