import { catalogIds, screenExample, statusOf } from './screen-helpers';

describe.each(['sle-cart', 'ssc-cart'])('trial %s report shape', (trialId) => {
  const prefix = trialId.split('-')[0] as string;
  it.each(['eligible', 'ineligible', 'potential-candidate'])(`carries every catalog criterion id, in order, for the ${prefix} %s example`, (kind) => {
    const report = screenExample(trialId, `${prefix}-${kind}`);
    expect(report.criteria.map((c) => c.id)).toEqual(catalogIds(trialId));
    for (const c of report.criteria) {
      expect(['met', 'not_met', 'unknown', 'review']).toContain(c.status);
      expect(c.explanation.length).toBeGreaterThan(0);
    }
  });
  it('keeps every (manual) criterion under review', () => {
    const report = screenExample(trialId, `${prefix}-eligible`);
    const manual = report.criteria.filter((c) => c.manual);
    expect(manual.length).toBeGreaterThan(0);
    for (const c of manual) expect(c.status).toBe('review');
  });
});

describe('sle-cart examples', () => {
  it('finds the eligible patient eligible, with evidence on every data criterion', () => {
    const report = screenExample('sle-cart', 'sle-eligible');
    const open = report.criteria.filter((c) => c.status !== 'met' && !c.manual);
    expect(open).toEqual([]);
    expect(report.outcome).toBe('eligible');
    expect(statusOf(report, 'sle.inc.classification')).toBe('met');
    const sledai = report.criteria.find((c) => c.id === 'sle.inc.sledai');
    expect(sledai?.explanation).toMatch(/computed 12/);
    const hb = report.criteria.find((c) => c.id === 'sle.inc.hemoglobin');
    expect(hb?.evidence[0]).toMatchObject({ value: 112, unit: 'g/L', date: '2026-06-08' });
  });

  it('finds the ineligible patient ineligible on age and malignancy, with the ongoing mycophenolate awaiting discontinuation', () => {
    const report = screenExample('sle-cart', 'sle-ineligible');
    expect(report.outcome).toBe('ineligible');
    expect(statusOf(report, 'sle.inc.age')).toBe('not_met');
    expect(statusOf(report, 'sle.exc.malignancy')).toBe('not_met');
    const washout = report.criteria.find((c) => c.id === 'sle.exc.washout_7d');
    expect(washout).toMatchObject({ status: 'not_met', resolvesOn: 'after discontinuation' });
  });

  it('finds the potential candidate awaiting a rituximab washout, with stale and missing data named', () => {
    const report = screenExample('sle-cart', 'sle-potential-candidate');
    expect(report.outcome).toBe('potential-candidate');
    expect(report.criteria.find((c) => c.id === 'sle.exc.washout_1m')).toMatchObject({ status: 'not_met', resolvesOn: '2026-07-11' });
    expect(report.summary.awaitingWashout).toContain('sle.exc.washout_1m');
    const pulmonary = report.criteria.find((c) => c.id === 'sle.inc.pulmonary');
    expect(pulmonary?.status).toBe('unknown');
    expect(pulmonary?.explanation).toMatch(/stale/);
    expect(statusOf(report, 'sle.inc.cardiac')).toBe('unknown');
  });

  it('clears the washout when screened after it ends', () => {
    const report = screenExample('sle-cart', 'sle-potential-candidate', '2026-07-20', '2026-07-25');
    expect(statusOf(report, 'sle.exc.washout_1m')).toBe('met');
  });

  it('does not find a systemic sclerosis patient eligible for the lupus trial', () => {
    const report = screenExample('sle-cart', 'ssc-eligible');
    expect(report.outcome).toBe('ineligible');
    expect(statusOf(report, 'sle.inc.classification')).toBe('not_met');
  });
});

describe('ssc-cart examples', () => {
  it('finds the eligible patient eligible, progressive by mRSS and with Cockcroft-Gault clearance', () => {
    const report = screenExample('ssc-cart', 'ssc-eligible');
    expect(report.criteria.filter((c) => c.status !== 'met' && !c.manual)).toEqual([]);
    expect(report.outcome).toBe('eligible');
    expect(report.criteria.find((c) => c.id === 'ssc.inc.refractory_or_progressive')?.explanation).toMatch(/up 6/);
    expect(report.criteria.find((c) => c.id === 'ssc.inc.renal')?.explanation).toMatch(/Cockcroft-Gault/);
  });

  it('finds limited cutaneous disease and poor lung function ineligible', () => {
    const report = screenExample('ssc-cart', 'ssc-ineligible');
    expect(report.outcome).toBe('ineligible');
    expect(statusOf(report, 'ssc.inc.diagnosis')).toBe('not_met');
    expect(statusOf(report, 'ssc.exc.pulmonary_function')).toBe('not_met');
    expect(statusOf(report, 'ssc.inc.pregnancy_test')).toBe('met');
  });

  it('asks to confirm an unstated subtype and names the missing pregnancy test', () => {
    const report = screenExample('ssc-cart', 'ssc-potential-candidate');
    expect(report.outcome).toBe('potential-candidate');
    expect(statusOf(report, 'ssc.inc.diagnosis')).toBe('review');
    expect(statusOf(report, 'ssc.inc.pregnancy_test')).toBe('unknown');
    expect(statusOf(report, 'ssc.inc.refractory_or_progressive')).toBe('met');
    // Recombinant zoster vaccine (CVX 187) is not live.
    expect(statusOf(report, 'ssc.exc.live_vaccine')).toBe('met');
  });
});

describe('systemic sclerosis subtype sent as text only', () => {
  const { getTrial } = jest.requireActual('../../src/mapping/compile') as typeof import('../../src/mapping/compile');
  const { evaluate } = jest.requireActual('../../src/engine/evaluate') as typeof import('../../src/engine/evaluate');
  const { catalog } = jest.requireActual('./screen-helpers') as typeof import('./screen-helpers');
  const record = (text: string) => ({
    patientId: 'x', patientReference: 'Patient/x', birthDate: '1980-01-01', gender: 'male',
    observations: [], medications: [], immunizations: [], procedures: [], plannedProcedures: [], encounters: [], familyHistory: [], reports: [], allergies: [], researchSubjects: [], ignored: [], warnings: [], gaps: [], links: [], linksRead: [],
    conditions: [{ reference: 'Condition/1', code: { codings: [{ system: 'urn:local', code: 'SSC' }], text }, active: true, clinicalStatus: 'active' }],
  });
  const diagnosis = (text: string) => evaluate(getTrial(catalog, 'ssc-cart'), record(text), { asOf: '2026-06-15' }, { version: 't' }).criteria.find((c) => c.id === 'ssc.inc.diagnosis');
  it('reads diffuse, limited and unstated subtypes from the text, marking the text match', () => {
    const diffuse = diagnosis('Diffuse cutaneous systemic sclerosis');
    expect(diffuse?.status).toBe('met');
    expect(diffuse?.evidence[0]?.note).toContain('matched by display text');
    expect(diagnosis('Limited cutaneous systemic sclerosis')?.status).toBe('not_met');
    expect(diagnosis('Systemic sclerosis')?.status).toBe('review');
  });
});
