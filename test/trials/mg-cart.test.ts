import { lab, quantity, SNOMED } from '../real-ehr/helpers';
import { diagnosis, onDrug, replacing, screener, statusOf } from './support';

/**
 * CD19 CAR-T in refractory myasthenia gravis (NCT05828225), written as a mapping file with no
 * code change: an eligible patient and one failing each key criterion, as FHIR JSON through the
 * real reader. The MG scales arrive under the site's local codes (no LOINC code exists for them).
 */
const TRIAL = 'mg-cart';
const LOCAL = 'http://eligo.example.org/fhir/CodeSystem/local';
const PATIENT = { resourceType: 'Patient', id: 'p1', birthDate: '1985-09-03', gender: 'female' };

let n = 0;
/** An observation of the patient under a local code (a score or a classification). */
const local = (code: string, display: string, fields: Record<string, unknown>): Record<string, unknown> => ({
  ...lab('0000-0', display, fields),
  id: `local-${++n}`,
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }] }],
  code: { coding: [{ system: LOCAL, code, display }], text: display },
});
const score = (code: string, display: string, value: number): Record<string, unknown> => local(code, display, { valueQuantity: quantity(value, '{score}') });
const mgAdl = (total: number, ocular: number): Record<string, unknown>[] => [score('mg-adl-total', 'MG-ADL total score', total), score('mg-adl-ocular', 'MG-ADL ocular items', ocular)];
const qmg = (value: number): Record<string, unknown> => score('qmg-total', 'QMG total score', value);
const mgfa = (cls: string): Record<string, unknown> => local('mgfa-class', 'MGFA clinical classification', { valueCodeableConcept: { coding: [{ system: LOCAL, code: `mgfa-${cls}`, display: `MGFA class ${cls}` }] }, effectiveDateTime: '2026-06-01T10:00:00+08:00' });
const achr = (value: number): Record<string, unknown> =>
  lab('11034-6', 'Acetylcholine receptor binding Ab', { valueQuantity: quantity(value, 'nmol/L'), referenceRange: [{ high: { value: 0.4, unit: 'nmol/L' } }], effectiveDateTime: '2025-11-20T09:00:00+08:00' });
const hbsag = (positive: boolean): Record<string, unknown> => lab('5196-1', 'Hepatitis B virus surface Ag', { valueCodeableConcept: { coding: [{ system: SNOMED, code: positive ? '10828004' : '260385009', display: positive ? 'Positive' : 'Negative' }] } });
const thymectomy = (date: string): Record<string, unknown> => ({
  resourceType: 'Procedure',
  id: `proc-${++n}`,
  status: 'completed',
  code: { coding: [{ system: 'http://www.ama-assn.org/go/cpt', code: '60521', display: 'Thymectomy, sternal split or transthoracic approach' }] },
  subject: { reference: 'Patient/p1' },
  performedDateTime: date,
});
const ecgFinding = (snomed: string, display: string): Record<string, unknown> => ({
  ...lab('11524-6', 'EKG study', { valueCodeableConcept: { coding: [{ system: SNOMED, code: snomed, display }] } }),
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'procedure' }] }],
});

/** Generalised AChR-positive MG, MGFA IIIa, MG-ADL 9 (2 ocular), QMG 15, on prednisone and azathioprine. */
const eligible = (): Record<string, unknown>[] => [
  diagnosis('G70.00', 'Myasthenia gravis without (acute) exacerbation', '2021-03-01'),
  achr(5.2),
  mgfa('IIIa'),
  ...mgAdl(9, 2),
  qmg(15),
  onDrug('8640', 'prednisone', '2023-01-01'),
  onDrug('1256', 'azathioprine', '2023-06-01'),
];

const screen = screener(TRIAL, PATIENT);
/** The eligible patient with some observations replaced (same code) or resources added. */
const variant = (changes: Record<string, unknown>[]): ReturnType<typeof screen> => screen(replacing(eligible(), changes));

describe('CD19 CAR-T in refractory myasthenia gravis (NCT05828225) from its mapping file', () => {
  it('a patient who fits is a potential candidate with nothing unknown: the rest is for a person to confirm', () => {
    const report = screen(eligible());
    expect(report.outcome).toBe('potential-candidate');
    expect(report.criteria.filter((c) => c.status === 'not_met' || c.status === 'unknown').map((c) => c.id)).toEqual([]);
    for (const id of ['mg.inc.age', 'mg.inc.mgfa', 'mg.inc.mg_adl', 'mg.inc.qmg', 'mg.exc.cns', 'mg.exc.pregnancy', 'mg.exc.infection', 'mg.exc.hepatitis']) expect({ id, status: statusOf(report, id) }).toEqual({ id, status: 'met' });
    // What the record cannot show: the diagnostic confirmation, the exacerbation after treatment,
    // a planned thymectomy; and the manual criteria.
    expect(report.criteria.filter((c) => c.status === 'review').map((c) => c.id).sort()).toEqual(
      ['mg.exc.cardiac', 'mg.exc.steroids', 'mg.exc.thymus', 'mg.inc.contraception', 'mg.inc.diagnosis', 'mg.inc.refractory', 'mg.inc.survival'].sort(),
    );
  });

  it.each([
    ['a negative AChR antibody', 'mg.inc.diagnosis', [achr(0.1)]],
    ['MGFA class I (ocular only)', 'mg.inc.mgfa', [mgfa('I')]],
    ['an MG-ADL of 4', 'mg.inc.mg_adl', mgAdl(4, 1)],
    ['half the MG-ADL from the ocular items', 'mg.inc.mg_adl', mgAdl(8, 4)],
    ['a QMG of 11 (more than 11 needed)', 'mg.inc.qmg', [qmg(11)]],
    ['epilepsy', 'mg.exc.cns', [diagnosis('G40.909', 'Epilepsy, unspecified, not intractable, without status epilepticus')]],
    ["Parkinson's disease", 'mg.exc.cns', [diagnosis('G20', "Parkinson's disease")]],
    ['a thymectomy 6 months ago', 'mg.exc.thymus', [thymectomy('2025-12-10')]],
    ['a prolonged QT interval on the ECG', 'mg.exc.cardiac', [ecgFinding('111975006', 'Prolonged QT interval')]],
    ['a current pregnancy', 'mg.exc.pregnancy', [diagnosis('Z33.1', 'Pregnant state, incidental', '2026-04-01')]],
    ['sepsis this month', 'mg.exc.infection', [diagnosis('A41.9', 'Sepsis, unspecified organism', '2026-06-02')]],
    ['a positive HBsAg', 'mg.exc.hepatitis', [hbsag(true)]],
  ])('is ineligible with %s: %s not met', (_what, criterion, changes) => {
    const report = variant(changes);
    expect({ outcome: report.outcome, failing: statusOf(report, criterion) }).toEqual({ outcome: 'ineligible', failing: 'not_met' });
  });

  it('is ineligible without any conventional MG treatment on record, and under 18', () => {
    const untreated = screen(eligible().filter((r) => r.resourceType !== 'MedicationStatement'));
    expect(statusOf(untreated, 'mg.inc.refractory')).toBe('not_met');
    const young = screener(TRIAL, { ...PATIENT, birthDate: '2009-01-01' })(eligible());
    expect(statusOf(young, 'mg.inc.age')).toBe('not_met');
  });

  it('leaves migraine out of "other central nervous system disease", and an older thymectomy to a person', () => {
    const migraine = variant([diagnosis('G43.909', 'Migraine, unspecified, not intractable, without status migrainosus')]);
    expect(statusOf(migraine, 'mg.exc.cns')).toBe('met');
    const oldThymectomy = variant([thymectomy('2023-02-01')]);
    expect(statusOf(oldThymectomy, 'mg.exc.thymus')).toBe('review');
    expect(oldThymectomy.outcome).toBe('potential-candidate');
  });

  it('is unknown, not ineligible, without an MG-ADL ocular score or a QMG on record', () => {
    const noOcular = screen(eligible().filter((r) => !JSON.stringify(r).includes('mg-adl-ocular')));
    expect(statusOf(noOcular, 'mg.inc.mg_adl')).toBe('unknown');
    const noQmg = screen(eligible().filter((r) => !JSON.stringify(r).includes('qmg-total')));
    expect(statusOf(noQmg, 'mg.inc.qmg')).toBe('unknown');
    expect(noQmg.outcome).toBe('potential-candidate');
  });
});
