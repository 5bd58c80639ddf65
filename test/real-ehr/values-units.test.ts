/**
 * Values and units as sites send them (issue 9 item 5, CONVENTIONS "Real EHR data"): one small
 * fixture per data shape, judged by the real reader and the real mappings.
 */
import { convertQuantity } from '../../src/units/convert';
import { criterionFhir, judgeFhir, lab, quantity } from './helpers';

const URINE_RBC = ['13945-1', 'Erythrocytes [#/area] in Urine sediment by Microscopy high power field'] as const;
const LVEF = ['10230-1', 'Left ventricular Ejection fraction'] as const;
const ALT = ['1742-6', 'Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma'] as const;
const DSDNA = ['5130-0', 'DNA double strand Ab [Units/volume] in Serum'] as const;

describe('ranges sent as text', () => {
  const rbcAbove5 = { kind: 'lab', analyte: 'urine_rbc_hpf', compare: { op: '>', value: 5, unit: '/[HPF]' } };

  it('decides "11-20 /HPF" (reference lab urinalysis) when the whole range is above the threshold', () => {
    const r = judgeFhir(rbcAbove5, [lab(...URINE_RBC, { valueString: '11-20 /HPF' })]);
    expect(r.status).toBe('met');
    expect(r.explanation).toContain('11-20');
  });

  it('leaves "3-10 /HPF" unknown: the range straddles the threshold', () => {
    const r = judgeFhir(rbcAbove5, [lab(...URINE_RBC, { valueString: '3-10 /HPF' })]);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toMatch(/3-10.*cannot decide/);
  });

  it('reads an echo report\'s "55-60 %" LVEF as a range', () => {
    const r = criterionFhir('ssc-cart', 'ssc.inc.cardiac', [lab(...LVEF, { valueString: '55-60 %' })]);
    expect(r.status).toBe('met');
    expect(r.explanation).toContain('55-60%');
  });

  it('reads a FHIR valueRange the same way', () => {
    const r = criterionFhir('ssc-cart', 'ssc.inc.cardiac', [lab(...LVEF, { valueRange: { low: quantity(50, '%'), high: quantity(60, '%') } })]);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('cannot decide');
  });
});

describe('qualitative words and interpretation flags', () => {
  const dsDnaAbove = { kind: 'lab', analyte: 'anti_dsdna', compare: { is: 'above_range' } };

  it('reads "POSITIVE" (Oracle Health free text) as above the cut-off', () => {
    const r = judgeFhir(dsDnaAbove, [lab(...DSDNA, { valueString: 'POSITIVE' })]);
    expect(r.status).toBe('met');
    expect(r.explanation).toContain('reported "POSITIVE"');
  });

  it('reads "Negative" as not above the cut-off', () => {
    const r = judgeFhir(dsDnaAbove, [lab(...DSDNA, { valueString: 'Negative' })]);
    expect(r.status).toBe('not_met');
    expect(r.explanation).toContain('reported "Negative"');
  });

  it('decides above-range on an H flag sent with no value', () => {
    const r = judgeFhir({ kind: 'lab', analyte: 'alt', compare: { is: 'above_range' } }, [
      lab(...ALT, { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'H', display: 'High' }] }] }),
    ]);
    expect(r.status).toBe('met');
    expect(r.explanation).toContain('interpretation H');
  });

  it('decides a positive criterion on a POS flag with no value', () => {
    const r = judgeFhir({ kind: 'lab', analyte: 'anti_dsdna', compare: { is: 'positive' } }, [
      lab(...DSDNA, { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'POS' }] }] }),
    ]);
    expect(r.status).toBe('met');
    expect(r.explanation).toContain('interpretation POS');
  });

  it('still leaves a numeric threshold unknown when only a flag was sent', () => {
    const r = criterionFhir('ssc-cart', 'ssc.inc.cardiac', [lab(...LVEF, { interpretation: [{ coding: [{ code: 'L' }] }] })]);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('no value');
  });
});

describe('reference ranges sent only as text', () => {
  const altUln3 = { kind: 'lab', analyte: 'alt', compare: { op: '<=', uln: 3 } };

  it('uses "7-35 U/L" rather than the mapping\'s assumed limit (110 U/L is 3.1×ULN, not 2.75×)', () => {
    const r = judgeFhir(altUln3, [lab(...ALT, { valueQuantity: quantity(110, 'U/L'), referenceRange: [{ text: '7-35 U/L' }] })]);
    expect(r.status).toBe('not_met');
    expect(r.explanation).toContain('ULN 35');
    expect(r.evidence[0]?.note).toContain('referenceRange.text "7-35 U/L"');
  });

  it('reads "< 35" as the upper limit', () => {
    const r = judgeFhir(altUln3, [lab(...ALT, { valueQuantity: quantity(110, 'U/L'), referenceRange: [{ text: '< 35' }] })]);
    expect(r.status).toBe('not_met');
    expect(r.explanation).toContain('ULN 35');
  });
});

describe('units as sites spell them', () => {
  it('ignores the {creat} annotation of a UPCR in mg/g{creat} (Epic)', () => {
    const r = judgeFhir({ kind: 'lab', analyte: 'upcr', compare: { op: '>=', value: 0.5, unit: 'mg/mg' } }, [
      lab('2890-2', 'Protein/Creatinine [Mass Ratio] in Urine', { valueQuantity: quantity(850, 'mg/g{creat}') }),
    ]);
    expect(r.status).toBe('met');
    expect(r.explanation).toContain('0.85 mg/mg');
  });

  it('reads "thou/mm3" (Meditech) through the alias table', () => {
    const r = judgeFhir({ kind: 'lab', analyte: 'platelets', compare: { op: '>=', value: 75, unit: '10*9/L' } }, [
      lab('777-3', 'Platelets [#/volume] in Blood by Automated count', { valueQuantity: { value: 180, unit: 'thou/mm3' } }),
    ]);
    expect(r.status).toBe('met');
    expect(r.explanation).toContain('180');
  });
});

describe('implausible and unit-less values', () => {
  it('does not compare a hemoglobin of 10^30 g/L', () => {
    const r = judgeFhir({ kind: 'lab', analyte: 'hemoglobin', compare: { op: '>=', value: 90, unit: 'g/L' } }, [
      lab('718-7', 'Hemoglobin [Mass/volume] in Blood', { valueQuantity: quantity(1e30, 'g/L') }),
    ]);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('outside the plausible range');
  });

  it('does not compare a negative ALT', () => {
    const r = judgeFhir({ kind: 'lab', analyte: 'alt', compare: { op: '<=', uln: 3 } }, [lab(...ALT, { valueQuantity: quantity(-12, 'U/L') })]);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('outside the plausible range');
  });

  it('gives no Cockcroft-Gault clearance from a creatinine of 1e-300 mg/dL', () => {
    const r = criterionFhir('ssc-cart', 'ssc.inc.renal', [
      lab('2160-0', 'Creatinine [Mass/volume] in Serum or Plasma', { valueQuantity: quantity(1e-300, 'mg/dL') }),
      lab('29463-7', 'Body weight', { valueQuantity: quantity(70, 'kg') }),
    ]);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('outside the plausible range');
    expect(r.explanation).not.toMatch(/e\+?3\d\d/);
  });

  it('does not take an LVEF with no unit as %', () => {
    const r = criterionFhir('ssc-cart', 'ssc.inc.cardiac', [lab(...LVEF, { valueQuantity: { value: 60 } })]);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('no unit given');
  });

  it('reads a unit-less INR, which the mapping declares as {INR}', () => {
    const r = judgeFhir({ kind: 'lab', analyte: 'inr', compare: { op: '<=', value: 1.5, unit: '{INR}' } }, [
      lab('6301-6', 'INR in Platelet poor plasma by Coagulation assay', { valueQuantity: { value: 1.1 } }),
    ]);
    expect(r.status).toBe('met');
  });
});

describe('conversions between dimensionless scales', () => {
  it('refuses UCUM ratio arithmetic between mmol/mol and % (65 mmol/mol is not 6.5 %)', () => {
    const c = convertQuantity(65, 'mmol/mol', '%');
    expect(c.ok).toBe(false);
    expect(c.ok ? '' : c.reason).toContain('different dimensionless scales');
    expect(convertQuantity(0.55, '1', '%').ok).toBe(false);
  });

  it('converts HbA1c IFCC to NGSP by the equation the mapping declares (65 mmol/mol is 8.1 %)', () => {
    const r = judgeFhir({ kind: 'lab', analyte: 'hba1c', compare: { op: '<=', value: 7, unit: '%' } }, [
      lab('59261-8', 'Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol', { valueQuantity: quantity(65, 'mmol/mol') }),
    ]);
    expect(r.status).toBe('not_met');
    expect(r.explanation).toContain('8.098%');
  });
});
