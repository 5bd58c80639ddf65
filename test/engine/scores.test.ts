import { emptyRecord, judge, observation, quantity } from './build';

const LOCAL = 'http://eligo.example.org/fhir/CodeSystem/local';

const sledai = {
  kind: 'score',
  name: 'SLEDAI-2K laboratory items',
  threshold: 8,
  completeBelow: 'not_met',
  recorded: { analyte: 'sledai2k_total', threshold: 8, lookback: '30d', minComputed: 4 },
  domains: [
    { name: 'low complement', items: [{ name: 'low complement', points: 2, rule: { kind: 'lab', analyte: 'c3', compare: { is: 'below_range' } } }] },
    { name: 'increased DNA binding', items: [{ name: 'anti-dsDNA', points: 2, rule: { kind: 'lab', analyte: 'anti_dsdna', compare: { is: 'above_range' } } }] },
    { name: 'thrombocytopenia', items: [{ name: 'platelets < 100', points: 1, rule: { kind: 'lab', analyte: 'platelets', compare: { op: '<', value: 100, unit: '10*9/L' } } }] },
    { name: 'leukopenia', items: [{ name: 'wbc < 3', points: 1, rule: { kind: 'lab', analyte: 'wbc', compare: { op: '<', value: 3, unit: '10*9/L' } } }] },
  ],
};

const labs = (c3: number, dsdna: number, plt: number, wbc: number) => [
  quantity('4485-9', c3, 'mg/dL', '2026-06-10'),
  quantity('5130-0', dsdna, '[IU]/mL', '2026-06-10'),
  quantity('777-3', plt, '10*3/uL', '2026-06-10'),
  quantity('6690-2', wbc, '10*3/uL', '2026-06-10'),
];

const recordedTotal = (value: number, date = '2026-06-12') =>
  observation('x', { kind: 'quantity', value, unit: '{score}' }, date, { code: { codings: [{ system: LOCAL, code: 'sledai-2k' }] } });

describe('SLEDAI-2K laboratory items', () => {
  it('is met with >= 4 laboratory points and a recorded total >= 8', () => {
    const r = judge(sledai, emptyRecord({ observations: [...labs(60, 100, 200, 5), recordedTotal(10)] }));
    expect(r.status).toBe('met');
    expect(r.explanation).toContain('recorded');
  });
  it('is not met when every laboratory item is present and gives fewer than 4 points', () => {
    const r = judge(sledai, emptyRecord({ observations: [...labs(120, 100, 80, 5), recordedTotal(12)] }));
    expect(r.status).toBe('not_met');
  });
  it('is unknown when a laboratory item is missing', () => {
    const obs = labs(60, 100, 200, 5).slice(0, 2);
    const r = judge(sledai, emptyRecord({ observations: obs }));
    expect(r.status).toBe('unknown');
    expect(r.missing?.join(' ')).toMatch(/thrombocytopenia|leukopenia/);
  });
  it('is unknown with enough laboratory points but no recorded total', () => {
    expect(judge(sledai, emptyRecord({ observations: labs(60, 100, 200, 5) })).status).toBe('unknown');
  });
  it('ignores a recorded total older than the lookback', () => {
    expect(judge(sledai, emptyRecord({ observations: [...labs(60, 100, 200, 5), recordedTotal(12, '2026-04-01')] })).status).toBe('unknown');
  });
});

describe('EULAR/ACR 2019 style domains', () => {
  const eular = {
    kind: 'score',
    name: 'EULAR/ACR 2019',
    threshold: 10,
    entry: { kind: 'lab', analyte: 'ana_titer', select: 'ever', compare: { titerAtLeast: '1:80' } },
    domains: [
      {
        name: 'hematologic',
        items: [
          { name: 'leukopenia', points: 3, rule: { kind: 'lab', analyte: 'wbc', select: 'ever', compare: { op: '<', value: 4, unit: '10*9/L' } } },
          { name: 'thrombocytopenia', points: 4, rule: { kind: 'lab', analyte: 'platelets', select: 'ever', compare: { op: '<', value: 100, unit: '10*9/L' } } },
        ],
      },
      { name: 'antibodies', items: [{ name: 'anti-dsDNA', points: 6, rule: { kind: 'lab', analyte: 'anti_dsdna', select: 'ever', compare: { is: 'positive' } } }] },
    ],
  };
  const ana = observation('5048-4', { kind: 'ratio', numerator: 1, denominator: 160 }, '2020-01-01');

  it('counts only the highest item in a domain', () => {
    const obs = [ana, quantity('6690-2', 3, '10*3/uL', '2020-01-01'), quantity('777-3', 80, '10*3/uL', '2020-01-01'), quantity('5130-0', 100, '[IU]/mL', '2020-01-01')];
    const r = judge(eular, emptyRecord({ observations: obs }));
    expect(r.status).toBe('met');
    expect(r.explanation).toContain('computed 10');
  });
  it('stays unknown below the threshold and names the domains without data', () => {
    const r = judge(eular, emptyRecord({ observations: [ana, quantity('777-3', 80, '10*3/uL', '2020-01-01')] }));
    expect(r.status).toBe('unknown');
    expect(r.explanation).toContain('computed 4');
    expect(r.explanation).toContain('antibodies');
  });
  it('does not classify without the entry criterion', () => {
    const low = observation('5048-4', { kind: 'ratio', numerator: 1, denominator: 40 }, '2020-01-01');
    const obs = [low, quantity('777-3', 80, '10*3/uL', '2020-01-01'), quantity('5130-0', 100, '[IU]/mL', '2020-01-01')];
    expect(judge(eular, emptyRecord({ observations: obs })).status).toBe('unknown');
  });
});

describe('Cockcroft-Gault', () => {
  const rule = { kind: 'cockcroft_gault', minMlPerMin: 50, creatinine: 'creatinine', weight: 'body_weight', measuredClearance: 'creatinine_clearance' };
  it('computes clearance with the 0.85 factor for women', () => {
    // (140-36) * 60 / (72 * 1.2) * 0.85 = 61.4
    const obs = [quantity('2160-0', 1.2, 'mg/dL', '2026-06-10'), quantity('29463-7', 60, 'kg', '2026-06-01')];
    const r = judge(rule, emptyRecord({ observations: obs, birthDate: '1990-03-10', gender: 'female' }));
    expect(r.status).toBe('met');
    expect(r.explanation).toMatch(/61\.4/);
  });
  it('is not met below 50 mL/min, with creatinine in µmol/L and weight in pounds', () => {
    // 221 µmol/L = 2.5 mg/dL; 132 lb = 59.9 kg; (140-36)*59.9/(72*2.5)*0.85 = 29.4
    const obs = [quantity('14682-9', 221, 'umol/L', '2026-06-10'), quantity('29463-7', 132, '[lb_av]', '2026-06-01')];
    expect(judge(rule, emptyRecord({ observations: obs })).status).toBe('not_met');
  });
  it('uses a measured clearance when the formula lacks an input', () => {
    const obs = [quantity('2164-2', 70, 'mL/min', '2026-06-10')];
    expect(judge(rule, emptyRecord({ observations: obs })).status).toBe('met');
    expect(judge(rule, emptyRecord()).status).toBe('unknown');
  });
});

describe('trends over a window', () => {
  const mrss = (value: number, date: string) => observation('x', { kind: 'quantity', value, unit: '{score}' }, date, { code: { codings: [{ system: LOCAL, code: 'mrss' }] } });
  const rise = { kind: 'trend', analyte: 'mrss', window: '6mo', direction: 'increase', by: 3, measure: 'absolute', inclusive: true };
  it('compares the latest with the earliest value inside the window', () => {
    expect(judge(rise, emptyRecord({ observations: [mrss(20, '2026-01-10'), mrss(18, '2026-03-01'), mrss(23, '2026-06-01')] })).status).toBe('met');
    expect(judge(rise, emptyRecord({ observations: [mrss(20, '2026-01-10'), mrss(22, '2026-06-01')] })).status).toBe('not_met');
  });
  it('ignores values before the window and needs two values', () => {
    expect(judge(rise, emptyRecord({ observations: [mrss(10, '2025-11-01'), mrss(23, '2026-06-01')] })).status).toBe('unknown');
  });
  it('measures relative decline in FVC', () => {
    const fall = { kind: 'trend', analyte: 'fvc_pct', window: '6mo', direction: 'decrease', by: 10, measure: 'relative' };
    expect(judge(fall, emptyRecord({ observations: [quantity('19872-1', 80, '%', '2026-01-01'), quantity('19872-1', 70, '%', '2026-06-01')] })).status).toBe('met');
    expect(judge(fall, emptyRecord({ observations: [quantity('19872-1', 80, '%', '2026-01-01'), quantity('19872-1', 72, '%', '2026-06-01')] })).status).toBe('not_met');
  });
});
