import { condition, emptyRecord, ICD10, judge, procedure, researchSubject, SNOMED } from './build';

describe('diagnoses', () => {
  it('matches ICD-10-CM by prefix, with or without the dot, and honours exclusions', () => {
    const rule = { kind: 'condition', valueSets: ['sle'] };
    expect(judge(rule, emptyRecord({ conditions: [condition(ICD10, 'M32.14')] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ conditions: [condition(ICD10, 'M3214')] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ conditions: [condition(ICD10, 'M32.0')] })).status).toBe('not_met');
  });
  it('matches ICD-10-CM ranges', () => {
    const rule = { kind: 'condition', valueSets: ['malignancy'] };
    expect(judge(rule, emptyRecord({ conditions: [condition(ICD10, 'C50.911')] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ conditions: [condition(ICD10, 'D50.9')] })).status).toBe('not_met');
  });
  it('falls back to the text, marking it, and asks a person to confirm a match by name alone', () => {
    // CONVENTIONS "Codes the mapping does not list": a text match alone is review (was met).
    const r = judge({ kind: 'condition', valueSets: ['sle'] }, emptyRecord({ conditions: [{ ...condition('urn:local', 'L1'), code: { codings: [{ system: 'urn:local', code: 'L1' }], text: 'Systemic lupus erythematosus, flare' } }] }));
    expect(r.status).toBe('review');
    expect(r.evidence[0]?.note).toContain('matched by display text');
  });
  it('separates active from resolved conditions', () => {
    const rule = { kind: 'condition', valueSets: ['pneumonia'], status: 'active' };
    expect(judge(rule, emptyRecord({ conditions: [condition(SNOMED, '233604007')] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ conditions: [condition(SNOMED, '233604007', { clinicalStatus: 'resolved', active: false, abatement: '2026-01-01' })] })).status).toBe('not_met');
  });
  it('counts a condition present during a window, or only a new one with withinBy onset', () => {
    const presence = { kind: 'condition', valueSets: ['pneumonia'], within: '2w', anchor: 'leukapheresis' };
    const resolvedInWindow = condition(SNOMED, '233604007', { clinicalStatus: 'resolved', active: false, onset: '2026-06-01', abatement: '2026-06-10' });
    expect(judge(presence, emptyRecord({ conditions: [resolvedInWindow] }), '2026-06-15', '2026-06-20').status).toBe('met');
    const resolvedBefore = condition(SNOMED, '233604007', { clinicalStatus: 'resolved', active: false, onset: '2026-05-01', abatement: '2026-06-05' });
    expect(judge(presence, emptyRecord({ conditions: [resolvedBefore] }), '2026-06-15', '2026-06-20').status).toBe('not_met');
    const onset = { kind: 'condition', valueSets: ['myocardial_infarction'], within: '3mo', withinBy: 'onset' };
    expect(judge(onset, emptyRecord({ conditions: [condition(SNOMED, '22298006', { onset: '2026-04-01' })] })).status).toBe('met');
    expect(judge(onset, emptyRecord({ conditions: [condition(SNOMED, '22298006', { onset: '2025-01-01' })] })).status).toBe('not_met');
  });
  it('lets a cancer resolved long enough ago pass', () => {
    const rule = { kind: 'condition', valueSets: ['breast_cancer'], unlessResolvedFor: '2y' };
    const old = condition(ICD10, 'C50.9', { clinicalStatus: 'resolved', active: false, abatement: '2023-01-01' });
    expect(judge(rule, emptyRecord({ conditions: [old] })).status).toBe('not_met');
    const recent = condition(ICD10, 'C50.9', { clinicalStatus: 'resolved', active: false, abatement: '2025-01-01' });
    expect(judge(rule, emptyRecord({ conditions: [recent] })).status).toBe('met');
  });
  it('finds a coded finding in an observation when asked to', () => {
    const fact = { reference: 'Observation/n1', code: { codings: [{ system: 'http://loinc.org', code: '88020-3' }] }, date: '2026-06-01', status: 'final', interpretation: [], value: { kind: 'coded' as const, concept: { codings: [{ system: SNOMED, code: '422293003' }] } } };
    expect(judge({ kind: 'condition', valueSets: ['nyha_iv'], includeFindings: true }, emptyRecord({ observations: [fact] })).status).toBe('met');
    expect(judge({ kind: 'condition', valueSets: ['nyha_iv'] }, emptyRecord({ observations: [fact] })).status).toBe('not_met');
  });
});

describe('procedures and enrolment', () => {
  it('counts repeated transfusions only at the required spacing', () => {
    const rule = { kind: 'procedure', valueSets: ['transfusion'], minCount: 2, maxInterval: '7d' };
    expect(judge(rule, emptyRecord({ procedures: [procedure('116859006', '2026-05-01'), procedure('116859006', '2026-05-08')] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ procedures: [procedure('116859006', '2026-05-01'), procedure('116859006', '2026-05-09')] })).status).toBe('not_met');
  });
  it('sees enrolment in another study but not our own screening record', () => {
    const rule = { kind: 'enrolled_elsewhere' };
    expect(judge(rule, emptyRecord({ researchSubjects: [researchSubject({ studyDisplay: 'Other study' })] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ researchSubjects: [researchSubject({ status: 'off-study' })] })).status).toBe('not_met');
    const ours = researchSubject({ studyIdentifier: { system: 'urn:eligo:trial', value: 'test-trial' } });
    expect(judge(rule, emptyRecord({ researchSubjects: [ours] })).status).toBe('not_met');
  });
});

describe('age', () => {
  it('includes both bounds and works from a year-only birth date when it can', () => {
    const rule = { kind: 'age', min: 16, max: 55 };
    expect(judge(rule, emptyRecord({ birthDate: '2010-06-15' }), '2026-06-15').status).toBe('met');
    expect(judge(rule, emptyRecord({ birthDate: '2010-06-16' }), '2026-06-15').status).toBe('not_met');
    expect(judge(rule, emptyRecord({ birthDate: '1970-06-16' }), '2026-06-15').status).toBe('met');
    expect(judge(rule, emptyRecord({ birthDate: '1970-06-15' }), '2026-06-15').status).toBe('not_met');
    expect(judge(rule, emptyRecord({ birthDate: '1990' }), '2026-06-15').status).toBe('met');
    expect(judge(rule, emptyRecord({ birthDate: '2010' }), '2026-06-15').status).toBe('unknown');
    const noBirth = emptyRecord();
    delete noBirth.birthDate;
    expect(judge(rule, noBirth).status).toBe('unknown');
  });
});

describe('sex and immunizations', () => {
  it('reads administrative sex and is unknown without it', () => {
    expect(judge({ kind: 'sex', is: 'male' }, emptyRecord({ gender: 'male' })).status).toBe('met');
    expect(judge({ kind: 'sex', is: 'male' }, emptyRecord({ gender: 'female' })).status).toBe('not_met');
    expect(judge({ kind: 'sex', is: 'male' }, emptyRecord({ gender: 'unknown' })).status).toBe('unknown');
  });
  it('finds an immunization inside a window only', () => {
    const { immunization } = jest.requireActual('./build') as typeof import('./build');
    const rule = { kind: 'immunization', valueSets: ['live_vaccines'], within: '1mo' };
    expect(judge(rule, emptyRecord({ immunizations: [immunization('21', '2026-05-15')] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ immunizations: [immunization('21', '2026-05-14')] })).status).toBe('not_met');
    expect(judge(rule, emptyRecord({ immunizations: [immunization('187', '2026-06-01')] })).status).toBe('not_met');
  });
});
