import { judgeFhir, lab, quantity } from '../real-ehr/helpers';
import { diagnosis } from './support';

/**
 * A recorded SLEDAI-2K total counts only without the points of CNS items new in the last 10 days
 * (sle-cart's sle.inc.sledai). A seizure with no onset whose recordedDate lies in those days may
 * be new in them: the total cannot be counted on until a person says when it began.
 */
const SLEDAI = {
  kind: 'score',
  name: 'SLEDAI-2K laboratory items',
  threshold: 8,
  completeBelow: 'not_met',
  recorded: {
    analyte: 'sledai2k_total',
    threshold: 8,
    lookback: '30d',
    minComputed: 4,
    subtract: [{ name: 'seizure', points: 8, rule: { kind: 'condition', valueSets: ['seizure_disorder'], within: '10d', withinBy: 'onset' } }],
  },
  domains: [{ name: 'urinary casts', items: [{ name: 'urinary casts', points: 4, rule: { kind: 'lab', analyte: 'urinary_casts', compare: { op: '>', value: 0, unit: '/[LPF]' } } }] }],
};
const total = (value: number): Record<string, unknown> => ({
  ...lab('sledai-2k', 'SLEDAI-2K total score', { valueQuantity: quantity(value, '{score}') }),
  code: { coding: [{ system: 'http://eligo.example.org/fhir/CodeSystem/local', code: 'sledai-2k', display: 'SLEDAI-2K total score' }] },
});
const casts = lab('5807-3', 'Erythrocyte casts [#/area] in Urine sediment by Microscopy low power field', { valueQuantity: quantity(3, '/[LPF]') });
const seizure = (dates: Record<string, unknown>): Record<string, unknown> => ({ ...diagnosis('G40.909', 'Epilepsy, unspecified'), onsetDateTime: undefined, ...dates });

describe('a recorded score with points to leave out whose onset is not dated', () => {
  it('counts the recorded total when no CNS item is on record, and leaves out a seizure that began in the 10 days', () => {
    expect(judgeFhir(SLEDAI, [total(14), casts]).status).toBe('met');
    expect(judgeFhir(SLEDAI, [total(14), casts, seizure({ onsetDateTime: '2026-06-12' })]).status).not.toBe('met');
  });

  it('does not count it on a seizure recorded in the 10 days with no onset: it may be new in them', () => {
    const r = judgeFhir(SLEDAI, [total(14), casts, seizure({ recordedDate: '2026-06-12' })]);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toMatch(/recorded SLEDAI-2K laboratory items 14 reaches 8 only if seizure \(undecided\) is not counted in it/);
  });

  it('counts it on a seizure recorded before the 10 days: it began before them, so it scores no points now', () => {
    expect(judgeFhir(SLEDAI, [total(14), casts, seizure({ recordedDate: '2025-01-10' })]).status).toBe('met');
    // A total high enough without the seizure's points holds either way.
    expect(judgeFhir(SLEDAI, [total(20), casts, seizure({ recordedDate: '2026-06-12' })]).status).toBe('met');
  });
});
