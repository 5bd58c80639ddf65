import { conversionFactor, convertQuantity, unitProblem } from '../../src/units/convert';
import { toUcum } from '../../src/units/spellings';

const CREATININE_G_PER_MOL = 113.12;
const BILIRUBIN_G_PER_MOL = 584.66;

function converted(value: number, from: string, to: string, molarMass?: number): number {
  const result = convertQuantity(value, from, to, molarMass);
  if (!result.ok) throw new Error(`expected ${from} -> ${to} to convert, got: ${result.reason}`);
  return result.value;
}

function refusal(value: number, from: string, to: string, molarMass?: number): string {
  const result = convertQuantity(value, from, to, molarMass);
  if (result.ok) throw new Error(`expected ${from} -> ${to} to be refused, got ${result.value}`);
  return result.reason;
}

describe('convertQuantity between mass concentrations', () => {
  it('turns g/dL into g/L and back', () => {
    expect(converted(12.5, 'g/dL', 'g/L')).toBe(125);
    expect(converted(125, 'g/L', 'g/dL')).toBe(12.5);
  });

  it('reads the lower-case "mg/dl" that EHRs send', () => {
    expect(converted(250, 'mg/dl', 'g/L')).toBe(2.5);
  });

  it('turns 24-hour amounts into each other, including the "mg/24h" spelling', () => {
    expect(converted(1.2, 'g/(24.h)', 'mg/(24.h)')).toBe(1200);
    expect(converted(500, 'mg/24h', 'g/(24.h)')).toBe(0.5);
    expect(converted(500, 'mg/(24.h)', 'g/(24.h)')).toBe(0.5);
  });

  it('treats mg/mg and g/g as the same ratio', () => {
    expect(converted(0.8, 'mg/mg', 'g/g')).toBe(0.8);
  });
});

describe('convertQuantity between mass and substance with a molar mass', () => {
  it('turns creatinine mg/dL into µmol/L with 113.12 g/mol (1 mg/dL is 88.4 µmol/L)', () => {
    expect(converted(1, 'mg/dL', 'umol/L', CREATININE_G_PER_MOL)).toBeCloseTo(88.4017, 3);
    expect(converted(88.4017, 'µmol/L', 'mg/dL', CREATININE_G_PER_MOL)).toBeCloseTo(1, 4);
  });

  it('turns bilirubin mg/dL into µmol/L with 584.66 g/mol (1 mg/dL is 17.1 µmol/L)', () => {
    expect(converted(1, 'mg/dL', 'umol/L', BILIRUBIN_G_PER_MOL)).toBeCloseTo(17.104, 3);
    expect(converted(34.2, 'umol/L', 'mg/dL', BILIRUBIN_G_PER_MOL)).toBeCloseTo(2.0, 2);
  });

  it('accepts the micro sign and the Greek mu for micro', () => {
    expect(converted(1, 'mg/dL', 'µmol/L', CREATININE_G_PER_MOL)).toBeCloseTo(88.4017, 3);
    expect(converted(1, 'mg/dL', 'μmol/L', CREATININE_G_PER_MOL)).toBeCloseTo(88.4017, 3);
  });

  it('turns mmol/L into mg/dL for a substance of known molar mass', () => {
    expect(converted(1, 'mmol/L', 'mg/dL', 180.16)).toBeCloseTo(18.016, 3);
  });

  it('turns a protein/creatinine ratio in mg/mmol into mg/mg with the creatinine molar mass', () => {
    expect(converted(113.12, 'mg/mmol', 'mg/mg', CREATININE_G_PER_MOL)).toBeCloseTo(1, 6);
  });

  it('refuses mass to substance without a molar mass, and says why', () => {
    expect(refusal(1, 'mg/dL', 'umol/L')).toMatch(/mg\/dL.*umol\/L.*molecular weight/);
  });
});

describe('convertQuantity between cell counts', () => {
  it.each([
    ['/uL', 1500, 1.5],
    ['10*3/uL', 1.5, 1.5],
    ['10*3/mm3', 1.5, 1.5],
    ['/mm3', 1500, 1.5],
    ['K/uL', 1.5, 1.5],
    ['K/µL', 1.5, 1.5],
    ['10^3/uL', 1.5, 1.5],
    ['x10E3/uL', 1.5, 1.5],
    ['cells/uL', 1500, 1.5],
    ['{cells}/uL', 1500, 1.5],
    ['10*9/L', 1.5, 1.5],
  ])('reads %s into 10*9/L exactly, so 1.5 stays 1.5 and passes a ">= 1.5" threshold', (unit, value, expected) => {
    expect(converted(value, unit, '10*9/L')).toBe(expected);
  });

  it('turns 10*9/L into /uL', () => {
    expect(converted(0.8, '10*9/L', '/uL')).toBe(800);
  });
});

describe('convertQuantity with units EHRs spell their own way', () => {
  it('reads pounds as [lb_av], "lb" or "lbs"', () => {
    expect(converted(150, '[lb_av]', 'kg')).toBeCloseTo(68.0389, 4);
    expect(converted(150, 'lb', 'kg')).toBeCloseTo(68.0389, 4);
    expect(converted(150, 'lbs', 'kg')).toBeCloseTo(68.0389, 4);
    expect(converted(70, 'kg', 'kg')).toBe(70);
  });

  it('reads seconds as "s" or "sec"', () => {
    expect(converted(12.4, 'sec', 's')).toBe(12.4);
    expect(converted(12.4, 's', 's')).toBe(12.4);
  });

  it('reads international units with or without brackets and with prefixes', () => {
    expect(converted(25, '[IU]/L', 'm[IU]/mL')).toBe(25);
    expect(converted(25, 'mIU/mL', '[IU]/L')).toBe(25);
    expect(converted(25, 'm[IU]/mL', 'IU/L')).toBe(25);
    expect(converted(2, '[IU]/mL', '[IU]/L')).toBe(2000);
  });

  it('treats IU/L and U/L as the same enzyme unit, as lab reports do', () => {
    expect(converted(45, 'IU/L', 'U/L')).toBe(45);
    expect(converted(45, 'U/L', 'IU/L')).toBe(45);
    expect(converted(45, 'U/L', 'U/L')).toBe(45);
  });

  it('reads per-high-power-field counts as /[HPF] or /hpf', () => {
    expect(converted(3, '/hpf', '/[HPF]')).toBe(3);
    expect(converted(3, '/HPF', '/[HPF]')).toBe(3);
    expect(converted(3, '/[HPF]', '/[HPF]')).toBe(3);
  });

  it('keeps percentages, titers, INR, mL/min and mmol/L as they are', () => {
    expect(converted(55, '%', '%')).toBe(55);
    expect(converted(160, '{titer}', '{titer}')).toBe(160);
    expect(converted(1.1, '{INR}', '{INR}')).toBe(1.1);
    expect(converted(85, 'mL/min', 'mL/min')).toBe(85);
    expect(converted(4.2, 'mmol/L', 'mmol/L')).toBe(4.2);
  });

  it('reads a unitless INR as {INR}', () => {
    expect(converted(1.1, '', '{INR}')).toBe(1.1);
  });
});

describe('convertQuantity refusals', () => {
  it('names an unknown unit in the reason', () => {
    expect(refusal(3, 'furlongs/fortnight', 'mg/dL')).toContain('furlongs/fortnight');
    expect(refusal(3, 'mg/dL', 'blorbs')).toContain('blorbs');
  });

  it('refuses units of different dimensions', () => {
    expect(refusal(1, 'g/dL', 'mmol')).toMatch(/cannot convert "g\/dL" to "mmol"/);
  });

  it('refuses to turn one annotation into another, though UCUM values both as 1', () => {
    expect(refusal(80, '{titer}', '%')).toMatch(/different things/);
    expect(refusal(1.2, '{INR}', '{titer}')).toMatch(/different things/);
    expect(refusal(60, 'mL/min/{1.73_m2}', 'mL/min')).toMatch(/different things/);
  });

  it('refuses "10.3/uL", which UCUM would read as 30 per µL', () => {
    expect(refusal(5, '10.3/uL', '10*9/L')).toMatch(/10\.3\/uL/);
  });

  it('refuses a value with no unit for a dimensioned target', () => {
    expect(refusal(5, '', 'g/L')).toMatch(/no unit/);
  });

  it('refuses a value that is not a finite number', () => {
    expect(convertQuantity(Number.NaN, 'g/dL', 'g/L').ok).toBe(false);
  });
});

describe('conversion plans are cached', () => {
  it('gives the same answer on repeated calls, including for refusals', () => {
    const first = convertQuantity(1, 'mg/dL', 'umol/L', CREATININE_G_PER_MOL);
    const second = convertQuantity(1, 'mg/dL', 'umol/L', CREATININE_G_PER_MOL);
    expect(second).toEqual(first);
    expect(convertQuantity(1, 'nonsense', 'g/L')).toEqual(convertQuantity(1, 'nonsense', 'g/L'));
  });

  it('keeps a separate plan per molar mass', () => {
    expect(converted(1, 'mg/dL', 'umol/L', CREATININE_G_PER_MOL)).not.toBe(converted(1, 'mg/dL', 'umol/L', BILIRUBIN_G_PER_MOL));
  });

  it('exposes the factor of a linear conversion and declines it for temperatures', () => {
    expect(conversionFactor('g/dL', 'g/L')).toEqual({ ok: true, factor: 10 });
    expect(conversionFactor('Cel', '[degF]').ok).toBe(false);
    expect(converted(37, 'Cel', '[degF]')).toBeCloseTo(98.6, 6);
  });
});

describe('toUcum and unitProblem', () => {
  it.each([
    ['K/uL', '10*3/uL'],
    ['M/uL', '10*6/uL'],
    ['x10E3/uL', '10*3/uL'],
    ['10^9/L', '10*9/L'],
    ['×10⁹/L', '10*9/L'],
    ['cells/uL', '{cells}/uL'],
    ['µmol/L', 'umol/L'],
    ['mIU/mL', 'm[IU]/mL'],
    ['IU/L', '[IU]/L'],
    ['mEq/L', 'meq/L'],
    ['mg/24h', 'mg/(24.h)'],
    ['mL/min/1.73m2', 'mL/min/{1.73_m2}'],
    ['lb', '[lb_av]'],
    ['sec', 's'],
    ['/hpf', '/[HPF]'],
    ['mmHg', 'mm[Hg]'],
    ['mcg/mL', 'ug/mL'],
  ])('rewrites %s as %s', (spelling, ucum) => {
    expect(toUcum(spelling)).toBe(ucum);
  });

  it('accepts real units and names the unreadable ones', () => {
    expect(unitProblem('mg/dL')).toBeUndefined();
    expect(unitProblem('K/uL')).toBeUndefined();
    expect(unitProblem('widgets')).toContain('widgets');
  });
});

describe('dimensionless scales and unit annotations (CONVENTIONS "Conversions between scales")', () => {
  it('refuses to move between different dimensionless scales, which UCUM would do by ratio arithmetic', () => {
    expect(refusal(65, 'mmol/mol', '%')).toMatch(/different dimensionless scales/);
    expect(refusal(0.55, '1', '%')).toMatch(/different dimensionless scales/);
    expect(refusal(55, '%', 'mg/g')).toMatch(/different dimensionless scales/);
  });

  it('still converts the same ratio written with other prefixes', () => {
    expect(converted(850, 'mg/g', 'mg/mg')).toBe(0.85);
  });

  it('ignores an annotation attached to a unit atom, but not a standalone one', () => {
    expect(converted(850, 'mg/g{creat}', 'mg/g')).toBe(850);
    expect(converted(850, 'mg/g{creat}', 'mg/mg')).toBe(0.85);
    expect(refusal(60, 'mL/min/{1.73_m2}', 'mL/min')).toMatch(/different things/);
  });

  it('reads thou/mm3 and mill/mm3 as thousands and millions', () => {
    expect(converted(180, 'thou/mm3', '10*9/L')).toBe(180);
    expect(converted(4.5, 'mill/mm3', '10*12/L')).toBe(4.5);
  });
});
