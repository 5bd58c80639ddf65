import { quantity } from '../real-ehr/helpers';
import { diagnosis, onDrug, RXNORM, screener, statusOf } from './support';

/**
 * SELECT-NEXT (NCT02675426), written as a mapping file from the docs alone: an eligible patient
 * with rheumatoid arthritis on weekly methotrexate, and one failing each key criterion, as FHIR
 * JSON through the real reader. The 66/68 joint counts arrive under the site's local codes (no
 * LOINC code could be found for them).
 */
const TRIAL = 'select-next';
const PATIENT = { resourceType: 'Patient', id: 'p1', birthDate: '1971-03-09', gender: 'female' };
const LOCAL = 'http://eligo.example.org/fhir/CodeSystem/local';

let n = 0;
/** A joint count recorded at the screening visit under a local code. */
const jointCount = (code: 'sjc66' | 'tjc68', value: number, date = '2026-06-10T09:00:00-05:00'): Record<string, unknown> => ({
  resourceType: 'Observation',
  id: `jc-${++n}`,
  status: 'final',
  code: { coding: [{ system: LOCAL, code, display: code === 'sjc66' ? 'Swollen joint count (66)' : 'Tender joint count (68)' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: date,
  valueQuantity: quantity(value, '{count}'),
});
const swollen = (value: number): Record<string, unknown> => jointCount('sjc66', value);
const tender = (value: number): Record<string, unknown> => jointCount('tjc68', value);

/** A MedicationStatement of one tablet product: `tablets` each `periodUnit`, `times` times, since `start` (as an EHR's medication list sends it). */
const tabletStatement = (id: string, code: string, display: string, dose: { tablets: number; times: number; periodUnit: 'd' | 'wk' }, start: string, end?: string): Record<string, unknown> => ({
  resourceType: 'MedicationStatement',
  id: `${id}-${++n}`,
  status: end ? 'completed' : 'active',
  medicationCodeableConcept: { coding: [{ system: RXNORM, code, display }] },
  subject: { reference: 'Patient/p1' },
  effectivePeriod: { start, ...(end ? { end } : {}) },
  dosage: [{ timing: { repeat: { frequency: dose.times, period: 1, periodUnit: dose.periodUnit } }, doseAndRate: [{ doseQuantity: { value: dose.tablets, unit: 'tablet', system: 'http://unitsofmeasure.org', code: '{tbl}' } }] }],
});
/** Methotrexate 2.5 mg tablets, `tablets` once a week. */
const weeklyMethotrexate = (tablets: number, start: string, end?: string): Record<string, unknown> =>
  tabletStatement('mtx', '105585', 'methotrexate 2.5 MG Oral Tablet', { tablets, times: 1, periodUnit: 'wk' }, start, end);
/** Hydroxychloroquine 200 mg tablets, `perDay` a day. */
const hydroxychloroquine = (perDay: number, start: string, end?: string): Record<string, unknown> =>
  tabletStatement('hcq', '979092', 'hydroxychloroquine sulfate 200 MG Oral Tablet', { tablets: 1, times: perDay, periodUnit: 'd' }, start, end);
/** A finished course of a drug by its RxNorm ingredient. */
const course = (rxnorm: string, display: string, start: string, end: string): Record<string, unknown> => ({ ...onDrug(rxnorm, display, start), status: 'completed', effectivePeriod: { start, end } });
const intolerance = (rxnorm: string, display: string): Record<string, unknown> => ({
  resourceType: 'AllergyIntolerance',
  id: `ai-${++n}`,
  type: 'intolerance',
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' }] },
  verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', code: 'confirmed' }] },
  code: { coding: [{ system: RXNORM, code: rxnorm, display }] },
  patient: { reference: 'Patient/p1' },
  recordedDate: '2023-09-01',
});

/** Seropositive RA since 2019 on methotrexate 15 mg a week since 2024; 8 swollen and 10 tender joints at screening. */
const eligible = (): Record<string, unknown>[] => [
  diagnosis('M05.79', 'Rheumatoid arthritis with rheumatoid factor of multiple sites without organ or systems involvement', '2019-04-01'),
  weeklyMethotrexate(6, '2024-01-08'),
  swollen(8),
  tender(10),
];
const withoutMethotrexate = (): Record<string, unknown>[] => eligible().filter((r) => r.resourceType !== 'MedicationStatement');
const withCounts = (sjc: number, tjc: number): Record<string, unknown>[] => [...eligible().filter((r) => r.resourceType !== 'Observation'), swollen(sjc), tender(tjc)];

const screen = screener(TRIAL, PATIENT);

describe('SELECT-NEXT (NCT02675426) from its mapping file', () => {
  it('a patient who fits is a potential candidate with nothing unknown: only the baseline visit\'s joint counts are a person\'s', () => {
    const report = screen(eligible());
    expect(report.outcome).toBe('potential-candidate');
    expect(report.criteria.filter((c) => c.status !== 'met' && c.status !== 'review').map((c) => c.id)).toEqual([]);
    expect(report.criteria.filter((c) => c.status === 'review').map((c) => c.id)).toEqual(['sn.inc.joint_counts']);
  });

  it.each([
    ['a 17-year-old', 'sn.inc.age', [...eligible()], { birthDate: '2008-09-01' }],
    ['rheumatoid arthritis diagnosed 7 weeks ago', 'sn.inc.ra', [...eligible().filter((r) => r.resourceType !== 'Condition'), diagnosis('M06.9', 'Rheumatoid arthritis, unspecified', '2026-04-27')], {}],
    ['adult-onset Still\'s disease, not rheumatoid arthritis', 'sn.inc.ra', [...eligible().filter((r) => r.resourceType !== 'Condition'), diagnosis('M06.1', 'Adult-onset Still\'s disease', '2019-04-01')], {}],
    ['no csDMARD', 'sn.inc.csdmard', withoutMethotrexate(), {}],
    ['methotrexate started 6 weeks ago', 'sn.inc.csdmard', [...withoutMethotrexate(), weeklyMethotrexate(6, '2026-05-04')], {}],
    ['methotrexate stopped last year', 'sn.inc.csdmard', [...withoutMethotrexate(), weeklyMethotrexate(6, '2024-01-08', '2025-08-01')], {}],
    ['azathioprine beside methotrexate', 'sn.inc.csdmard', [...eligible(), onDrug('1256', 'azathioprine', '2025-02-01')], {}],
    ['5 swollen joints', 'sn.inc.joint_counts', withCounts(5, 10), {}],
    ['5 tender joints', 'sn.inc.joint_counts', withCounts(8, 5), {}],
    ['two prior biologic DMARDs', 'sn.inc.prior_bdmard', [...eligible(), course('327361', 'adalimumab', '2021-02-01', '2022-03-01'), course('214555', 'etanercept', '2022-04-01', '2023-05-01')], {}],
    ['tofacitinib in 2024', 'sn.exc.jak', [...eligible(), course('1357536', 'tofacitinib', '2024-02-01', '2024-05-01')], {}],
    ['gout', 'sn.exc.other_arthritis', [...eligible(), diagnosis('M10.9', 'Gout, unspecified', '2021-06-01')], {}],
    ['psoriatic arthritis', 'sn.exc.other_arthritis', [...eligible(), diagnosis('L40.50', 'Arthropathic psoriasis, unspecified', '2021-06-01')], {}],
  ])('is ineligible with %s: %s not met', (_what, criterion, resources, patient) => {
    const report = screener(TRIAL, { ...PATIENT, ...patient })(resources);
    expect({ outcome: report.outcome, failing: statusOf(report, criterion) }).toEqual({ outcome: 'ineligible', failing: 'not_met' });
  });

  it('reads a stable daily hydroxychloroquine as csDMARD therapy, like weekly methotrexate', () => {
    expect(statusOf(screen([...withoutMethotrexate(), hydroxychloroquine(2, '2025-10-01')]), 'sn.inc.csdmard')).toBe('met');
  });

  it('reads 3 months of csDMARD as the course still running: a change of dose continues it, an earlier course that stopped does not count', () => {
    const doseChanged = [...withoutMethotrexate(), weeklyMethotrexate(4, '2026-01-05', '2026-04-30'), weeklyMethotrexate(6, '2026-05-01')];
    expect(statusOf(screen(doseChanged), 'sn.inc.csdmard')).toBe('met');
    const restarted = [...withoutMethotrexate(), weeklyMethotrexate(4, '2024-01-05', '2024-06-30'), weeklyMethotrexate(4, '2026-05-01')];
    expect(screen(restarted).criteria.find((c) => c.id === 'sn.inc.csdmard')).toMatchObject({ status: 'not_met', explanation: expect.stringMatching(/only 46 days of exposure \(ongoing\)/) });
    // Changed two weeks ago: not yet stable for 4 weeks.
    const changedLately = [...withoutMethotrexate(), weeklyMethotrexate(4, '2026-01-05', '2026-05-31'), weeklyMethotrexate(6, '2026-06-01')];
    expect(screen(changedLately).criteria.find((c) => c.id === 'sn.inc.csdmard')).toMatchObject({ status: 'not_met', explanation: expect.stringMatching(/the dose changed/) });
  });

  it('is unknown, not met, when the joint counts were not recorded at screening', () => {
    const r = screen(eligible().filter((x) => x.resourceType !== 'Observation'));
    expect(statusOf(r, 'sn.inc.joint_counts')).toBe('unknown');
    expect(r.outcome).toBe('potential-candidate');
  });

  describe('at most one prior biologic DMARD, with intolerance or limited exposure', () => {
    it('asks a person about the washout and the 20 % share after two months of one biologic', () => {
      const r = screen([...eligible(), course('327361', 'adalimumab', '2023-01-10', '2023-03-10')]);
      expect(r.criteria.find((c) => c.id === 'sn.inc.prior_bdmard')).toMatchObject({ status: 'review', confirm: expect.stringMatching(/washout/) });
      expect(r.outcome).toBe('potential-candidate');
    });

    it('asks a person for documented intolerance after a year of one biologic with none recorded, rather than ruling out', () => {
      const r = screen([...eligible(), course('327361', 'adalimumab', '2022-02-01', '2023-03-01')]);
      expect(r.criteria.find((c) => c.id === 'sn.inc.prior_bdmard')).toMatchObject({ status: 'review', confirm: expect.stringMatching(/intolerance of the biologic DMARD \(in the notes\), the required washout periods/) });
    });

    it('reads a recorded intolerance of the biologic as the documented evidence', () => {
      const r = screen([...eligible(), course('214555', 'etanercept', '2022-02-01', '2023-08-15'), intolerance('214555', 'etanercept')]);
      expect(r.criteria.find((c) => c.id === 'sn.inc.prior_bdmard')).toMatchObject({ status: 'review', explanation: expect.stringMatching(/allergy or intolerance: etanercept/), confirm: expect.stringMatching(/^the required washout periods/) });
    });

    it('leaves the inadequate response to the biologic to the investigator', () => {
      const r = screen([...eligible(), course('327361', 'adalimumab', '2023-01-10', '2023-03-10')]);
      expect(r.criteria.find((c) => c.id === 'sn.exc.bdmard_ir')).toMatchObject({ status: 'review', confirm: expect.stringMatching(/inadequate responder/) });
    });
  });

  it('asks a person about lupus, and excludes nobody for secondary Sjogren syndrome', () => {
    expect(statusOf(screen([...eligible(), diagnosis('M32.9', 'Systemic lupus erythematosus, unspecified')]), 'sn.exc.other_arthritis')).toBe('review');
    expect(statusOf(screen([...eligible(), diagnosis('M35.00', 'Sjogren syndrome, unspecified')]), 'sn.exc.other_arthritis')).toBe('met');
  });

  it('sends a JAK inhibitor known only by its name (filgotinib, no code checked) to a person rather than ignoring it', () => {
    const filgotinib = { ...onDrug('0', 'x', '2024-01-01'), medicationCodeableConcept: { text: 'Jyseleca (filgotinib) 200 mg tablet' }, status: 'completed', effectivePeriod: { start: '2024-01-01', end: '2024-06-01' } };
    expect(statusOf(screen([...eligible(), filgotinib]), 'sn.exc.jak')).toBe('review');
  });
});
