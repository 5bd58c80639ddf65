/**
 * One quantity, several tests (CONVENTIONS.md): where a criterion accepts 24-hour urine protein
 * or UPCR, the measure that was taken decides; the other's absence is not missing data, but an
 * unreadable one still is.
 */
import { judgeFhir, lab, quantity } from './helpers';

const proteinuria = {
  kind: 'measures',
  of: [
    { kind: 'lab', analyte: 'urine_protein_24h', compare: { op: '>', value: 0.5, unit: 'g/(24.h)' } },
    { kind: 'lab', analyte: 'upcr', compare: { op: '>', value: 0.5, unit: 'mg/mg' } },
  ],
};
const protein24h = (grams: number) => lab('2889-4', 'Protein [Mass/time] in 24 hour Urine', { valueQuantity: quantity(grams, 'g/(24.h)') });

describe('alternative measures of one quantity', () => {
  it('decides on the 24-hour protein when no UPCR was taken (not_met, not a needless unknown)', () => {
    const r = judgeFhir(proteinuria, [protein24h(0.3)]);
    expect(r.status).toBe('not_met');
    expect(r.explanation).toContain('Protein excretion in 24 hour urine');
  });

  it('is met on the 24-hour protein alone', () => {
    expect(judgeFhir(proteinuria, [protein24h(0.8)]).status).toBe('met');
  });

  it('stays unknown when the other measure was sent but cannot be read', () => {
    const unreadableUpcr = lab('2890-2', 'Protein/Creatinine [Mass Ratio] in Urine', { valueQuantity: { value: 'high', unit: 'mg/mg' } });
    const r = judgeFhir(proteinuria, [protein24h(0.3), unreadableUpcr]);
    expect(r.status).toBe('unknown');
  });

  it('is unknown when neither was taken', () => {
    const r = judgeFhir(proteinuria, []);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('no Protein excretion in 24 hour urine result');
  });
});

describe('alternative measures each written as a combination of bounds', () => {
  // "24-hour protein or UPCR outside 0.5-3": each measure's two bounds in an any, the measures around them.
  const outside = (analyte: string, unit: string) => ({
    kind: 'any',
    of: [
      { kind: 'lab', analyte, compare: { op: '<', value: 0.5, unit } },
      { kind: 'lab', analyte, compare: { op: '>', value: 3, unit } },
    ],
  });
  const rule = { kind: 'measures', of: [outside('urine_protein_24h', 'g/(24.h)'), outside('upcr', 'mg/mg')] };

  it('lets the measure that was taken decide: a combination none of whose parts was taken is not taken', () => {
    expect(judgeFhir(rule, [protein24h(1.2)]).status).toBe('not_met');
    expect(judgeFhir(rule, [protein24h(4)]).status).toBe('met');
  });

  it('is unknown when neither measure was taken', () => {
    expect(judgeFhir(rule, []).status).toBe('unknown');
  });
});

describe('a biopsy class written only in the report text', () => {
  const biopsy = (conclusion: string) => ({
    resourceType: 'DiagnosticReport',
    id: 'kidney-biopsy',
    status: 'final',
    subject: { reference: 'Patient/p1' },
    code: { text: 'Renal biopsy pathology report' },
    effectiveDateTime: '2025-11-03',
    conclusion,
  });
  const rule = { kind: 'condition', valueSets: ['lupus_nephritis_class_3_4'], includeFindings: true };

  it('asks a person to confirm a class IV lupus nephritis read from the conclusion, quoting it', () => {
    const r = judgeFhir(rule, [biopsy('Diffuse proliferative glomerulonephritis consistent with ISN/RPS class IV lupus nephritis (A/C).')]);
    expect(r.status).toBe('review');
    expect(r.explanation).toContain('ISN/RPS class IV lupus nephritis');
    expect(r.evidence[0]?.reference).toBe('DiagnosticReport/kidney-biopsy');
  });

  it('finds nothing in a conclusion that names no class', () => {
    expect(judgeFhir(rule, [biopsy('Minimal change disease.')]).status).toBe('not_met');
  });
});

describe('a negative broader test', () => {
  const casts = { kind: 'lab', analyte: 'urinary_casts', compare: { op: '>', value: 0, unit: '/[LPF]' } };
  const anyCasts = (value: number) => lab('9842-6', 'Casts [#/area] in Urine sediment by Microscopy low power field', { valueQuantity: quantity(value, '/[LPF]') });

  it('shows red cell casts absent when no casts of any kind were seen', () => {
    const r = judgeFhir(casts, [anyCasts(0)]);
    expect(r.status).toBe('not_met');
    expect(r.explanation).toContain('found none, so none is present');
  });

  it('does not show red cell casts present from casts of some kind', () => {
    const r = judgeFhir(casts, [anyCasts(3)]);
    expect(r.status).toBe('unknown');
  });
});
