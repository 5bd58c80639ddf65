import { emptyRecord, judge, observation, quantity } from './build';

const AS_OF = '2026-06-15';

describe('latest lab against a threshold', () => {
  it('converts g/dL to g/L before comparing hemoglobin', () => {
    const r = judge({ kind: 'lab', analyte: 'hemoglobin', compare: { op: '>=', value: 80, unit: 'g/L' } }, emptyRecord({ observations: [quantity('718-7', 8.5, 'g/dL', '2026-06-10')] }));
    expect(r.status).toBe('met');
    expect(r.evidence[0]).toMatchObject({ value: 85, unit: 'g/L', date: '2026-06-10' });
  });

  it('uses the most recent result, not the best one', () => {
    const record = emptyRecord({ observations: [quantity('718-7', 120, 'g/L', '2026-06-01'), quantity('718-7', 70, 'g/L', '2026-06-12')] });
    expect(judge({ kind: 'lab', analyte: 'hemoglobin', compare: { op: '>=', value: 80, unit: 'g/L' } }, record).status).toBe('not_met');
  });

  it('converts bilirubin from µmol/L with its molar mass', () => {
    // 34 µmol/L = 1.99 mg/dL: the threshold is converted into the analyte unit.
    const rule = { kind: 'lab', analyte: 'bilirubin_total', compare: { op: '<=', value: 34, unit: 'umol/L' } };
    expect(judge(rule, emptyRecord({ observations: [quantity('1975-2', 1.9, 'mg/dL', '2026-06-10')] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ observations: [quantity('1975-2', 40, 'umol/L', '2026-06-10')] })).status).toBe('not_met');
    expect(judge(rule, emptyRecord({ observations: [quantity('1975-2', 30, 'µmol/L', '2026-06-10')] })).status).toBe('met');
  });

  it('converts creatinine µmol/L to mg/dL', () => {
    const rule = { kind: 'lab', analyte: 'creatinine', compare: { op: '<=', value: 1.5, unit: 'mg/dL' } };
    const r = judge(rule, emptyRecord({ observations: [quantity('14682-9', 88.4, 'umol/L', '2026-06-10')] }));
    expect(r.status).toBe('met');
    expect(Number(r.evidence[0]?.value)).toBeCloseTo(1.0, 2);
  });

  it('reads /µL, 10*3/µL and 10*9/L as the same count', () => {
    const rule = { kind: 'lab', analyte: 'anc', compare: { op: '>=', value: 1000, unit: '/uL' } };
    expect(judge(rule, emptyRecord({ observations: [quantity('751-8', 1.2, '10*3/uL', '2026-06-10')] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ observations: [quantity('751-8', 900, '/uL', '2026-06-10')] })).status).toBe('not_met');
    expect(judge(rule, emptyRecord({ observations: [quantity('751-8', 1.1, '10*9/L', '2026-06-10')] })).status).toBe('met');
  });

  it('makes a unit it cannot convert unknown, naming the unit, never a comparison', () => {
    const r = judge({ kind: 'lab', analyte: 'hemoglobin', compare: { op: '>=', value: 80, unit: 'g/L' } }, emptyRecord({ observations: [quantity('718-7', 9, 'furlongs', '2026-06-10')] }));
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('furlongs');
  });

  it('keeps a "<" result honest: decided only when the whole interval agrees', () => {
    const rule = { kind: 'lab', analyte: 'bilirubin_total', compare: { op: '<=', value: 2, unit: 'mg/dL' } };
    const below = observation('1975-2', { kind: 'quantity', value: 0.5, unit: 'mg/dL', comparator: '<' }, '2026-06-10');
    expect(judge(rule, emptyRecord({ observations: [below] })).status).toBe('met');
    const above = observation('1975-2', { kind: 'quantity', value: 1.5, unit: 'mg/dL', comparator: '>' }, '2026-06-10');
    expect(judge(rule, emptyRecord({ observations: [above] })).status).toBe('unknown');
  });

  it('reports a missing result as unknown with what is missing', () => {
    const r = judge({ kind: 'lab', analyte: 'hemoglobin', compare: { op: '>=', value: 80, unit: 'g/L' } }, emptyRecord());
    expect(r.status).toBe('unknown');
    expect(r.missing).toEqual(['Hemoglobin']);
  });
});

describe('staleness of "at screening" results (30-day lookback)', () => {
  const rule = { kind: 'lab', analyte: 'hemoglobin', compare: { op: '>=', value: 80, unit: 'g/L' } };
  it('accepts a result on the first day of the lookback', () => {
    expect(judge(rule, emptyRecord({ observations: [quantity('718-7', 100, 'g/L', '2026-05-16')] }), AS_OF).status).toBe('met');
  });
  it('calls a result one day older stale, unknown, never met', () => {
    const r = judge(rule, emptyRecord({ observations: [quantity('718-7', 100, 'g/L', '2026-05-15')] }), AS_OF);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('stale');
  });
  it('accepts a result on the as-of date and ignores one after it', () => {
    expect(judge(rule, emptyRecord({ observations: [quantity('718-7', 100, 'g/L', '2026-06-15')] }), AS_OF).status).toBe('met');
    const future = judge(rule, emptyRecord({ observations: [quantity('718-7', 100, 'g/L', '2026-06-16')] }), AS_OF);
    expect(future.status).toBe('unknown');
  });
  it('gives pulmonary function a 90-day lookback from the mapping', () => {
    const fvc = { kind: 'lab', analyte: 'fvc_pct', compare: { op: '>=', value: 60, unit: '%' } };
    expect(judge(fvc, emptyRecord({ observations: [quantity('19872-1', 70, '%', '2026-03-17')] }), AS_OF).status).toBe('met');
    expect(judge(fvc, emptyRecord({ observations: [quantity('19872-1', 70, '%', '2026-03-16')] }), AS_OF).status).toBe('unknown');
  });
});

describe('×ULN thresholds', () => {
  const rule = { kind: 'lab', analyte: 'alt', compare: { op: '<=', uln: 3 } };
  it("uses the result's own reference range", () => {
    const fact = quantity('1742-6', 100, 'U/L', '2026-06-10', { referenceRange: { high: { value: 30, unit: 'U/L' } } });
    const r = judge(rule, emptyRecord({ observations: [fact] }));
    expect(r.status).toBe('not_met');
    expect(r.explanation).toContain('3.33×ULN');
  });
  it('falls back to the mapping upper limit and says it was assumed', () => {
    const r = judge(rule, emptyRecord({ observations: [quantity('1742-6', 100, 'U/L', '2026-06-10')] }));
    expect(r.status).toBe('met');
    expect(r.evidence[0]?.note).toMatch(/assumed upper limit 40/);
  });
});

describe('strings, titers and interpretation codes', () => {
  it('reads a titer ratio against 1:80', () => {
    const rule = { kind: 'lab', analyte: 'ana_titer', select: 'ever', compare: { titerAtLeast: '1:80' } };
    const titer = (d: number, date: string) => observation('5048-4', { kind: 'ratio', numerator: 1, denominator: d }, date);
    expect(judge(rule, emptyRecord({ observations: [titer(640, '2019-01-01')] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ observations: [titer(40, '2019-01-01')] })).status).toBe('not_met');
  });
  it('reads positive from a qualitative value, an interpretation code, a coded value, or a value above range', () => {
    const rule = { kind: 'lab', analyte: 'anti_dsdna', select: 'ever', compare: { is: 'positive' } };
    const pos = [
      observation('5130-0', { kind: 'qualitative', positive: true, text: 'Positive' }, '2020-01-01'),
      observation('5130-0', { kind: 'string', text: 'see note' }, '2020-01-01', { interpretation: ['POS'] }),
      observation('5130-0', { kind: 'coded', concept: { codings: [{ system: 'http://snomed.info/sct', code: '10828004' }] } }, '2020-01-01'),
      quantity('5130-0', 80, '[IU]/mL', '2020-01-01', { referenceRange: { high: { value: 30 } } }),
    ];
    for (const fact of pos) expect(judge(rule, emptyRecord({ observations: [fact] })).status).toBe('met');
    const neg = quantity('5130-0', 10, '[IU]/mL', '2020-01-01');
    const r = judge(rule, emptyRecord({ observations: [neg] }));
    expect(r.status).toBe('not_met');
  });
  it('reads below range from the L flag or the reference range', () => {
    const rule = { kind: 'lab', analyte: 'c3', compare: { is: 'below_range' } };
    expect(judge(rule, emptyRecord({ observations: [quantity('4485-9', 60, 'mg/dL', '2026-06-10', { interpretation: ['L'] })] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ observations: [quantity('4485-9', 0.6, 'g/L', '2026-06-10')] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ observations: [quantity('4485-9', 120, 'mg/dL', '2026-06-10')] })).status).toBe('not_met');
  });
  it('treats a result with only a dataAbsentReason as missing', () => {
    const absent = { reference: 'Observation/x', code: { codings: [{ system: 'http://loinc.org', code: '718-7' }] }, date: '2026-06-10', status: 'final', interpretation: [], dataAbsentReason: 'not-performed' };
    const r = judge({ kind: 'lab', analyte: 'hemoglobin', compare: { op: '>=', value: 80, unit: 'g/L' } }, emptyRecord({ observations: [absent] }));
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('not-performed');
  });
  it('matches a score sent only as text, and says so', () => {
    const fact = { reference: 'Observation/s1', code: { codings: [], text: 'Modified Rodnan skin score' }, date: '2026-06-01', status: 'final', interpretation: [], value: { kind: 'quantity' as const, value: 22, unit: '{score}' } };
    const r = judge({ kind: 'lab', analyte: 'mrss', compare: { op: '>=', value: 15, unit: '{score}' } }, emptyRecord({ observations: [fact] }));
    expect(r.status).toBe('met');
    expect(r.evidence[0]?.note).toContain('matched by name');
  });
});

describe('growth factor before a count', () => {
  it('does not accept an ANC measured within 14 days after filgrastim', () => {
    const rule = { kind: 'lab', analyte: 'anc', compare: { op: '>=', value: 0.8, unit: '10*9/L' }, notAfterMedication: { classes: ['gcsf'], within: '14d' } };
    const { medication } = jest.requireActual('./build') as typeof import('./build');
    const record = emptyRecord({ observations: [quantity('751-8', 2, '10*9/L', '2026-06-10')], medications: [medication('68442', '2026-06-01', '2026-06-03')] });
    expect(judge(rule, record).status).toBe('unknown');
    const clean = emptyRecord({ observations: [quantity('751-8', 2, '10*9/L', '2026-06-10')], medications: [medication('68442', '2026-05-01', '2026-05-03')] });
    expect(judge(rule, clean).status).toBe('met');
  });
});
