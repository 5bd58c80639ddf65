/**
 * Doses as EHRs send them (issue 9 item 7, CONVENTIONS.md "Doses"): the dose in force on each
 * day of the window — a taper's step, a single infusion — judged by sle-cart's 7-day washout
 * (systemic corticosteroids > 10 mg/day prednisone equivalent before leukapheresis 2026-07-01),
 * screened on 2026-06-30.
 */
import { PATIENT_ID, criterionFhir } from './helpers';

const AS_OF = '2026-06-30';
const subject = { reference: `Patient/${PATIENT_ID}` };
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const mg = (value: number) => ({ value, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' });
const daily = (dose: number, repeat: Record<string, unknown>, sequence: number) => ({
  sequence,
  timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd', ...repeat } },
  route: { coding: [{ system: 'http://snomed.info/sct', code: '26643006', display: 'Oral route' }] },
  doseAndRate: [{ doseQuantity: mg(dose) }],
});

function prednisoneTaper(dosage: unknown[]): Record<string, unknown> {
  return {
    resourceType: 'MedicationStatement',
    id: 'taper',
    status: 'active',
    subject,
    medicationCodeableConcept: { coding: [{ system: RXNORM, code: '8640', display: 'prednisone' }] },
    effectivePeriod: { start: '2026-06-01' },
    dosage,
  };
}

describe('the dose in force on each day of the window', () => {
  it('reads a prednisone taper step by step: only the 7.5 mg step falls in the window, so the washout is clear', () => {
    const r = criterionFhir('sle-cart', 'sle.exc.washout_7d', [
      prednisoneTaper([
        daily(40, { boundsDuration: { value: 10, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' } }, 1),
        daily(20, { boundsDuration: { value: 10, unit: 'd', system: 'http://unitsofmeasure.org', code: 'd' } }, 2),
        daily(7.5, { boundsPeriod: { start: '2026-06-21' } }, 3),
      ]),
    ], AS_OF);
    expect(r.status).toBe('met');
  });

  it('finds the step above 10 mg that is in force inside the window', () => {
    const r = criterionFhir('sle-cart', 'sle.exc.washout_7d', [
      prednisoneTaper([
        daily(40, { boundsPeriod: { start: '2026-06-01', end: '2026-06-20' } }, 1),
        daily(15, { boundsPeriod: { start: '2026-06-21', end: '2026-06-27' } }, 2),
        daily(5, { boundsPeriod: { start: '2026-06-28' } }, 3),
      ]),
    ], AS_OF);
    expect(r.status).toBe('not_met');
    expect(r.evidence.some((e) => e.note?.includes('15 mg/day prednisone equivalent'))).toBe(true);
  });

  it('does not take the first step of a taper whose step days are not given: the dose is unknown', () => {
    const r = criterionFhir('sle-cart', 'sle.exc.washout_7d', [prednisoneTaper([daily(40, {}, 1), daily(5, {}, 2)])], AS_OF);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('no readable dose');
  });

  it('counts a single IV methylprednisolone pulse as that day\'s dose', () => {
    const r = criterionFhir('sle-cart', 'sle.exc.washout_7d', [
      {
        resourceType: 'MedicationAdministration',
        id: 'pulse',
        status: 'completed',
        subject,
        medicationCodeableConcept: { coding: [{ system: RXNORM, code: '6902', display: 'methylprednisolone' }] },
        effectiveDateTime: '2026-06-26T09:00:00Z',
        dosage: { route: { text: 'intravenous' }, dose: mg(1000) },
      },
    ], AS_OF);
    expect(r.status).toBe('not_met');
    expect(r.explanation).toContain('methylprednisolone');
  });

  it('does not treat a tacrolimus course whose end date is garbage as ended', () => {
    const r = criterionFhir('sle-cart', 'sle.exc.washout_7d', [
      {
        resourceType: 'MedicationStatement',
        id: 'tac',
        status: 'completed',
        subject,
        medicationCodeableConcept: { coding: [{ system: RXNORM, code: '42316', display: 'tacrolimus' }] },
        effectivePeriod: { start: '2025-01-01', end: '2026-13-45' },
      },
    ], AS_OF);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('effectivePeriod.end "2026-13-45" is not a valid FHIR date');
  });
});
