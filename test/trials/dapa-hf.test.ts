import { lab, quantity, SNOMED } from '../real-ehr/helpers';
import { CPT, diagnosis, replacing, request, RXNORM, screener, SNOMED_CT, statusOf, stay } from './support';

/**
 * DAPA-HF (NCT03036124), written as a mapping file: an eligible patient and one failing each key
 * criterion, as FHIR JSON through the real reader, hospital stays and planned operations included.
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
    // Nothing planned, no recent admission: decided by the data, nobody asked.
    expect(statusOf(report, 'dh.exc.revascularization')).toBe('met');
    expect(statusOf(report, 'dh.exc.decompensated')).toBe('met');
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

  it('takes NT-proBNP 400-600 only after an inpatient stay for heart failure in the last 12 months', () => {
    const hfStay = (start: string): Record<string, unknown> => stay('IMP', start, ['I50.23', 'Acute on chronic systolic (congestive) heart failure']);
    expect(statusOf(variant([ntprobnp(500)]), 'dh.inc.ntprobnp')).toBe('not_met');
    const admitted = variant([ntprobnp(500), hfStay('2026-02-03T10:00:00Z')]);
    expect(statusOf(admitted, 'dh.inc.ntprobnp')).toBe('met');
    expect(admitted.criteria.find((c) => c.id === 'dh.inc.ntprobnp')?.evidence.map((e) => e.reference)).toEqual(expect.arrayContaining([expect.stringMatching(/^Encounter\//)]));
    // 14 months ago is outside the window; an emergency visit is not a hospital stay.
    expect(statusOf(variant([ntprobnp(500), hfStay('2025-04-10T10:00:00Z')]), 'dh.inc.ntprobnp')).toBe('not_met');
    expect(statusOf(variant([ntprobnp(500), stay('EMER', '2026-02-03T10:00:00Z', ['I50.23', 'Acute on chronic systolic heart failure'])]), 'dh.inc.ntprobnp')).toBe('not_met');
  });

  it('reads an admission\'s diagnosis through the Condition it names, and asks a person where the record cannot say', () => {
    const hf = { ...diagnosis('I50.21', 'Acute systolic (congestive) heart failure', '2026-02-03'), id: 'c-hf-admission' };
    const pneumonia = { ...diagnosis('J18.9', 'Pneumonia, unspecified organism', '2026-02-03'), id: 'c-pneumonia' };
    const primary = stay('IMP', '2026-02-03T10:00:00Z', undefined, { diagnosis: [{ condition: { reference: 'Condition/c-hf-admission' }, rank: 1 }, { condition: { reference: 'Condition/c-pneumonia' }, rank: 2 }] });
    expect(statusOf(variant([ntprobnp(500), hf, pneumonia, primary]), 'dh.inc.ntprobnp')).toBe('met');
    const secondary = stay('IMP', '2026-02-03T10:00:00Z', undefined, { diagnosis: [{ condition: { reference: 'Condition/c-pneumonia' }, rank: 1 }, { condition: { reference: 'Condition/c-hf-admission' }, rank: 2 }] });
    const asSecondary = variant([ntprobnp(500), hf, pneumonia, secondary]).criteria.find((c) => c.id === 'dh.inc.ntprobnp');
    expect(asSecondary?.status).toBe('review');
    expect(asSecondary?.confirm).toMatch(/secondary diagnosis/);
    const noReason = variant([ntprobnp(500), stay('IMP', '2026-02-03T10:00:00Z', undefined)]).criteria.find((c) => c.id === 'dh.inc.ntprobnp');
    expect(noReason?.status).toBe('review');
    expect(noReason?.confirm).toMatch(/records no reason/);
    // The Condition it names is not in the record: the reason is unknown, not absent.
    const elsewhere = variant([ntprobnp(500), stay('IMP', '2026-02-03T10:00:00Z', undefined, { reasonReference: [{ reference: 'Condition/not-sent' }] })]);
    expect(statusOf(elsewhere, 'dh.inc.ntprobnp')).toBe('unknown');
    // A stay with no period is in no window.
    const undated = variant([ntprobnp(500), stay('IMP', undefined, ['I50.23', 'Acute on chronic systolic heart failure'])]).criteria.find((c) => c.id === 'dh.inc.ntprobnp');
    expect(undated?.status).toBe('unknown');
    expect(undated?.missing?.join(' ')).toMatch(/no period start/);
  });

  it('needs heart failure present for at least 2 months, by its onset, and is unknown where only a recent diagnosis date is recorded', () => {
    const hfSince = (fields: Record<string, unknown>): Record<string, unknown> => ({ ...HF(), ...fields });
    const withHf = (hf: Record<string, unknown>): ReturnType<typeof screen> => screen([hf, ...eligible().slice(1)]);
    expect(statusOf(withHf(hfSince({ onsetDateTime: '2026-05-25' })), 'dh.inc.hfref')).toBe('not_met');
    expect(statusOf(withHf(hfSince({ onsetDateTime: undefined, recordedDate: '2025-09-01' })), 'dh.inc.hfref')).toBe('met');
    const recent = withHf(hfSince({ onsetDateTime: undefined, recordedDate: '2026-06-08' })).criteria.find((c) => c.id === 'dh.inc.hfref');
    expect(recent?.status).toBe('unknown');
    expect(recent?.explanation).toMatch(/diagnosed at least 2 months before screening .*no onset date; recorded 2026-06-08, after 2026-04-15, which does not say when it began/);
    // An onset month that straddles the cutoff (2026-04-15) cannot say.
    expect(statusOf(withHf(hfSince({ onsetDateTime: '2026-04' })), 'dh.inc.hfref')).toBe('unknown');
  });

  it('does not clear the recent-infarction exclusion on an infarction with no onset recorded in the last 12 weeks: a person confirms when it began', () => {
    const undatedMi = (recordedDate: string | undefined): Record<string, unknown> => ({ ...diagnosis('I21.4', 'NSTEMI'), onsetDateTime: undefined, ...(recordedDate ? { recordedDate } : {}) });
    const recent = variant([undatedMi('2026-05-18')]).criteria.find((c) => c.id === 'dh.exc.cv_event');
    expect(recent?.status).toBe('review');
    expect(recent?.confirm).toMatch(/no onset recorded; recorded on 2026-05-18, which only says it began by then: confirm it began within 12 weeks before screening/);
    // Recorded before the 12 weeks, it began before them.
    expect(statusOf(variant([undatedMi('2025-09-01')]), 'dh.exc.cv_event')).toBe('met');
    expect(statusOf(variant([undatedMi(undefined)]), 'dh.exc.cv_event')).toBe('unknown');
  });

  it('does not count a cancelled stay', () => {
    const cancelled = stay('IMP', '2026-02-03T10:00:00Z', ['I50.23', 'Acute on chronic systolic heart failure'], { status: 'cancelled' });
    expect(statusOf(variant([ntprobnp(500), cancelled]), 'dh.inc.ntprobnp')).toBe('not_met');
  });

  it('excludes a heart failure admission less than 4 weeks ago, not one 6 weeks ago', () => {
    const admission = (start: string): Record<string, unknown> => stay('IMP', start, ['I50.22', 'Chronic systolic (congestive) heart failure'], { period: { start, end: '2026-06-01' } });
    expect(statusOf(variant([admission('2026-05-28T09:00:00Z')]), 'dh.exc.decompensated')).toBe('not_met');
    expect(statusOf(variant([stay('IMP', '2026-04-25T09:00:00Z', ['I50.22', 'Chronic systolic heart failure'])]), 'dh.exc.decompensated')).toBe('met');
  });

  it('excludes a planned revascularisation or heart transplant, asks about a draft order, and ignores a revoked one', () => {
    const pci = (fields: Record<string, unknown> = {}): Record<string, unknown> => request(SNOMED_CT, '415070008', 'Percutaneous coronary intervention', '2026-08-20', fields);
    expect(statusOf(variant([pci()]), 'dh.exc.revascularization')).toBe('not_met');
    expect(statusOf(variant([pci({ status: 'draft' })]), 'dh.exc.revascularization')).toBe('review');
    expect(statusOf(variant([pci({ status: 'revoked' })]), 'dh.exc.revascularization')).toBe('met');
    expect(statusOf(variant([request(CPT, '33945', 'Heart transplant', '2026-09-01', { intent: 'plan' })]), 'dh.exc.transplant_vad')).toBe('not_met');
    // A ventricular assist device named only in words: a person confirms.
    expect(statusOf(variant([{ ...request(CPT, 'x', '', undefined), code: { text: 'LVAD implantation' } }]), 'dh.exc.transplant_vad')).toBe('review');
  });

  it('computes eGFR by CKD-EPI 2021 from creatinine where no eGFR is reported, and is unknown without NYHA class', () => {
    const fromCreatinine = screen([...eligible().filter((r) => JSON.stringify(r).indexOf('98979-8') < 0), lab('2160-0', 'Creatinine', { valueQuantity: quantity(1.1, 'mg/dL') })]);
    expect(statusOf(fromCreatinine, 'dh.inc.egfr')).toBe('met');
    const noNyha = screen(eligible().filter((r) => JSON.stringify(r).indexOf('88020-3') < 0));
    expect(statusOf(noNyha, 'dh.inc.hfref')).toBe('unknown');
  });
});
