import { lab, quantity, SNOMED } from '../real-ehr/helpers';
import { CPT, diagnosis, onDrug, procedureDone, replacing, request, screener, statusOf } from './support';

/**
 * CD19 CAR-T in refractory myasthenia gravis (NCT05828225), written as a mapping file with no
 * code change: an eligible patient and one failing each key criterion, as FHIR JSON through the
 * real reader. The MG scales arrive under the site's local codes (no LOINC code exists for them).
 * "Refractory" is an exacerbation dated after the first conventional treatment (an anchor read
 * from the record); "thymectomy needed during the study" a planned one.
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

const exacerbation = (onset: string): Record<string, unknown> => diagnosis('G70.01', 'Myasthenia gravis with (acute) exacerbation', onset);
const ICD10PCS = 'http://www.cms.gov/Medicare/Coding/ICD10';

/**
 * Generalised AChR-positive MG since 2021, MGFA IIIa, MG-ADL 9 (2 ocular), QMG 15, on prednisone
 * since January 2023 and azathioprine since June 2023, an exacerbation in September 2024.
 */
const eligible = (): Record<string, unknown>[] => [
  diagnosis('G70.00', 'Myasthenia gravis without (acute) exacerbation', '2021-03-01'),
  exacerbation('2024-09-10'),
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
    for (const id of ['mg.inc.age', 'mg.inc.mgfa', 'mg.inc.mg_adl', 'mg.inc.qmg', 'mg.inc.refractory', 'mg.exc.cns', 'mg.exc.thymus', 'mg.exc.pregnancy', 'mg.exc.infection', 'mg.exc.hepatitis']) {
      expect({ id, status: statusOf(report, id) }).toEqual({ id, status: 'met' });
    }
    // No diagnostic test result on record, so the doctor's judgement is a person's; and the
    // manual criteria.
    expect(report.criteria.filter((c) => c.status === 'review').map((c) => c.id).sort()).toEqual(
      ['mg.exc.cardiac', 'mg.exc.steroids', 'mg.inc.contraception', 'mg.inc.diagnosis', 'mg.inc.survival'].sort(),
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

  it('leaves migraine out of "other central nervous system disease", and does not exclude a thymectomy more than 12 months ago', () => {
    const migraine = variant([diagnosis('G43.909', 'Migraine, unspecified, not intractable, without status migrainosus')]);
    expect(statusOf(migraine, 'mg.exc.cns')).toBe('met');
    const oldThymectomy = variant([thymectomy('2023-02-01')]);
    expect(statusOf(oldThymectomy, 'mg.exc.thymus')).toBe('met');
    expect(oldThymectomy.outcome).toBe('potential-candidate');
  });

  it('is unknown, not ineligible, without an MG-ADL ocular score or a QMG on record', () => {
    const noOcular = screen(eligible().filter((r) => !JSON.stringify(r).includes('mg-adl-ocular')));
    expect(statusOf(noOcular, 'mg.inc.mg_adl')).toBe('unknown');
    const noQmg = screen(eligible().filter((r) => !JSON.stringify(r).includes('qmg-total')));
    expect(statusOf(noQmg, 'mg.inc.qmg')).toBe('unknown');
    expect(noQmg.outcome).toBe('potential-candidate');
  });

  it('decides the diagnostic confirmation from a recorded test, and leaves the doctor\'s judgement to a person', () => {
    const test = (code: string, display: string, positive: boolean): Record<string, unknown> =>
      local(code, display, { valueCodeableConcept: { coding: [{ system: SNOMED, code: positive ? '10828004' : '260385009', display: positive ? 'Positive' : 'Negative' }] }, effectiveDateTime: '2021-02-20T10:00:00+08:00' });
    expect(statusOf(variant([test('rns-decrement', 'Repetitive nerve stimulation decremental response', true)]), 'mg.inc.diagnosis')).toBe('met');
    expect(statusOf(variant([test('edrophonium-test', 'Edrophonium (Tensilon) test', true), test('neostigmine-test', 'Neostigmine test', true)]), 'mg.inc.diagnosis')).toBe('met');
    // The protocol asks for both bedside tests; one, or a negative nerve stimulation, leaves the third way open.
    const one = variant([test('edrophonium-test', 'Edrophonium (Tensilon) test', true), test('rns-decrement', 'Repetitive nerve stimulation decremental response', false)]);
    expect(one.criteria.find((c) => c.id === 'mg.inc.diagnosis')).toMatchObject({ status: 'review', confirm: expect.stringMatching(/judged by the doctor/) });
  });

  describe('refractory: an exacerbation dated after the first conventional treatment', () => {
    const refractory = (resources: Record<string, unknown>[]): NonNullable<ReturnType<typeof screen>['criteria'][number]> => {
      const found = screen(resources).criteria.find((c) => c.id === 'mg.inc.refractory');
      if (!found) throw new Error('no mg.inc.refractory');
      return found;
    };
    const withoutExacerbations = (): Record<string, unknown>[] => eligible().filter((r) => !JSON.stringify(r).includes('G70.01'));

    it('is met by an exacerbation after treatment began, counted from the first dose after the diagnosis (prednisone, January 2023)', () => {
      const r = refractory(eligible());
      expect(r.status).toBe('met');
      expect(r.evidence).toEqual(expect.arrayContaining([expect.objectContaining({ value: 'prednisone', date: '2023-01-01', note: 'anchor: the first conventional MG treatment after the diagnosis' })]));
      expect(r.evidence).toEqual(expect.arrayContaining([expect.objectContaining({ value: 'Myasthenia gravis with (acute) exacerbation', date: '2024-09-10', note: 'anchor: the first exacerbation after the treatment began' })]));
      expect(r.explanation).toMatch(/within 100 years before the first exacerbation after the treatment began \(2024-09-10\)/);
    });

    it('is not met with no exacerbation after treatment began: none at all, or only the one before it', () => {
      expect(refractory(withoutExacerbations()).status).toBe('not_met');
      expect(refractory([...withoutExacerbations(), exacerbation('2022-05-01')]).status).toBe('not_met');
      // An exacerbation problem never closed is not "still" an exacerbation: dated by its onset.
      const neverClosed = refractory([...withoutExacerbations(), exacerbation('2021-03-01')]);
      expect(neverClosed.status).toBe('not_met');
    });

    it('does not take a steroid course before the diagnosis as MG treatment, so the exacerbation at diagnosis does not count', () => {
      const asthmaBurst = { ...onDrug('8640', 'prednisone', '2015-04-01'), status: 'completed', effectivePeriod: { start: '2015-04-01', end: '2015-04-10' } };
      const untreated = [diagnosis('G70.00', 'Myasthenia gravis without (acute) exacerbation', '2021-03-01'), exacerbation('2021-03-01'), asthmaBurst];
      const r = refractory(untreated);
      expect(r.status).toBe('not_met');
      expect(r.explanation).toMatch(/the first conventional MG treatment after the diagnosis: no such event in the record/);
      // Treated from 2023, the 2022 exacerbation came before the treatment, not after the 2015 course.
      expect(refractory([...untreated, exacerbation('2022-05-01'), onDrug('1256', 'azathioprine', '2023-06-01')]).status).toBe('not_met');
    });

    it('asks a person about an exacerbation dated within a day of the first dose: it may be the one the treatment was begun for', () => {
      const sameDay = refractory([...withoutExacerbations(), exacerbation('2023-01-01')]);
      expect(sameDay.status).toBe('review');
      expect(sameDay.confirm).toMatch(/not the one dated within a day of the first dose/);
      // One on the day of the first dose and one later: still a person's, since the first is unclear.
      expect(refractory([...withoutExacerbations(), exacerbation('2023-01-01'), exacerbation('2025-02-01')]).status).toBe('review');
      expect(refractory([...withoutExacerbations(), exacerbation('2023-01-03')]).status).toBe('met');
    });

    it('is unknown, not met, for an exacerbation with no onset date: the date it was written down does not say when it began', () => {
      const recordedOnly = { ...exacerbation('2024-09-10'), onsetDateTime: undefined, recordedDate: '2024-09-12' };
      const r = refractory([...withoutExacerbations(), recordedOnly]);
      expect(r.status).toBe('unknown');
      // Undated, it may also be the first diagnosis of MG, from which the treatment is found.
      expect(r.explanation).toMatch(/cannot be dated: Condition\/\S+ \(Myasthenia gravis with \(acute\) exacerbation\): no onset date/);
    });

    it('is unknown, saying why, when the diagnosis has no onset date: the first treatment after it cannot be found', () => {
      const undatedDiagnosis = { ...diagnosis('G70.00', 'Myasthenia gravis without (acute) exacerbation'), onsetDateTime: undefined };
      const r = refractory([undatedDiagnosis, ...eligible().filter((x) => !JSON.stringify(x).includes('G70.00'))]);
      expect(r.status).toBe('unknown');
      expect(r.explanation).toMatch(/the first diagnosis of myasthenia gravis cannot be dated: .*no onset date/);
    });
  });

  describe('thymus: a recent or planned thymectomy, or thymic radiotherapy', () => {
    const thymus = (changes: Record<string, unknown>[]): string | undefined => statusOf(variant(changes), 'mg.exc.thymus');

    it('excludes a thymectomy planned during the study (an active order), and leaves a draft one to a person', () => {
      const planned = variant([request(CPT, '60521', 'Thymectomy, sternal split or transthoracic approach', '2026-09-15')]);
      expect({ outcome: planned.outcome, thymus: statusOf(planned, 'mg.exc.thymus') }).toEqual({ outcome: 'ineligible', thymus: 'not_met' });
      expect(thymus([request(CPT, '60521', 'Thymectomy, sternal split or transthoracic approach', undefined, { status: 'draft' })])).toBe('review');
      expect(thymus([request(CPT, '60521', 'Thymectomy, sternal split or transthoracic approach', '2026-09-15', { status: 'revoked' })])).toBe('met');
    });

    it('excludes radiotherapy coded to the thymus, and reads the body site of a radiotherapy whose code names none', () => {
      expect(thymus([procedureDone(ICD10PCS, 'D7011ZZ', 'Beam Radiation of Thymus using Photons 1 - 10 MeV', '2019-05-02')])).toBe('not_met');
      const delivery = (bodySite?: { code: string; display: string } | { text: string }): Record<string, unknown> => ({
        ...procedureDone(CPT, '77412', 'Radiation treatment delivery, 3 or more separate treatment areas', '2019-05-02'),
        ...(bodySite ? { bodySite: ['code' in bodySite ? { coding: [{ system: SNOMED, ...bodySite }] } : bodySite] } : {}),
      });
      // No site recorded: the site decides, so unknown, saying what is missing.
      const siteless = variant([delivery()]);
      expect(siteless.criteria.find((c) => c.id === 'mg.exc.thymus')).toMatchObject({ status: 'unknown', explanation: expect.stringMatching(/no body site recorded for Radiation treatment delivery.*2019-05-02.*the site decides/) });
      const toThymus = variant([delivery({ code: '9875009', display: 'Thymus structure' })]);
      expect({ outcome: toThymus.outcome, thymus: statusOf(toThymus, 'mg.exc.thymus') }).toEqual({ outcome: 'ineligible', thymus: 'not_met' });
      expect(toThymus.criteria.find((c) => c.id === 'mg.exc.thymus')?.evidence.map((e) => e.note)).toContainEqual(expect.stringMatching(/body site Thymus structure/));
      // The mediastinum may hold the thymus: a person confirms; a site named only in words too.
      expect(variant([delivery({ code: '72410000', display: 'Mediastinal structure' })]).criteria.find((c) => c.id === 'mg.exc.thymus')).toMatchObject({ status: 'review', confirm: expect.stringMatching(/mediastinum or chest did not include the thymus/) });
      expect(thymus([delivery({ text: 'thymus' })])).toBe('review');
      // Another site is not the thymus.
      expect(thymus([delivery({ code: '41216001', display: 'Prostatic structure' })])).toBe('met');
      // ICD-10-PCS names the site: radiotherapy of the prostate is not of the thymus.
      expect(thymus([procedureDone(ICD10PCS, 'DV001ZZ', 'Beam Radiation of Prostate using Photons 1 - 10 MeV', '2019-05-02')])).toBe('met');
    });
  });
});
