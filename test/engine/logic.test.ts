import { outcomeOf } from '../../src/engine/evaluate';
import type { CriterionResult } from '../../src/report/types';
import { condition, emptyRecord, ICD10, judge, medication, screen, trialOf } from './build';

const c = (id: string, status: CriterionResult['status'], extra: Partial<CriterionResult> = {}): CriterionResult => ({ id, type: 'inclusion', status, explanation: '', evidence: [], ...extra });

describe('combining rules', () => {
  const sle = { kind: 'condition', valueSets: ['sle'] };
  const hb = { kind: 'lab', analyte: 'hemoglobin', compare: { op: '>=', value: 80, unit: 'g/L' } };
  it('all: a false decides over a missing value; a missing value over a confirmation', () => {
    expect(judge({ kind: 'all', of: [sle, hb] }, emptyRecord()).status).toBe('not_met');
    expect(judge({ kind: 'all', of: [sle, hb] }, emptyRecord({ conditions: [condition(ICD10, 'M32.10')] })).status).toBe('unknown');
    expect(judge({ kind: 'all', of: [{ kind: 'confirm', rule: sle, reason: 'x' }, hb] }, emptyRecord({ conditions: [condition(ICD10, 'M32.10')] })).status).toBe('unknown');
  });
  it('any: a true decides; a confirmation beats a missing value', () => {
    expect(judge({ kind: 'any', of: [sle, hb] }, emptyRecord({ conditions: [condition(ICD10, 'M32.10')] })).status).toBe('met');
    expect(judge({ kind: 'any', of: [{ kind: 'confirm', rule: sle, reason: 'x' }, hb] }, emptyRecord({ conditions: [condition(ICD10, 'M32.10')] })).status).toBe('review');
  });
  it('not: absence of an excluding condition is met, unknown stays unknown', () => {
    expect(judge({ kind: 'not', rule: sle }, emptyRecord()).status).toBe('met');
    expect(judge({ kind: 'not', rule: hb }, emptyRecord()).status).toBe('unknown');
  });
  it('at_least counts what holds and what is still open', () => {
    const rx = (code: string) => ({ kind: 'medication', classes: [code] });
    const rule = { kind: 'at_least', n: 2, of: [rx('anti_cd20'), rx('antimalarials'), rx('mycophenolate')] };
    expect(judge(rule, emptyRecord({ medications: [medication('121191', '2025-01-01', '2025-02-01'), medication('5521', '2025-01-01', '2025-02-01')] })).status).toBe('met');
    expect(judge(rule, emptyRecord({ medications: [medication('121191', '2025-01-01', '2025-02-01')] })).status).toBe('not_met');
  });
  it('a criterion can depend on another criterion', () => {
    const trial = trialOf({ 't.inc.a': sle, 't.inc.b': { kind: 'criterion', id: 't.inc.a' } });
    const report = screen(trial, emptyRecord({ conditions: [condition(ICD10, 'M32.10')] }));
    expect(report.criteria.map((x) => x.status)).toEqual(['met', 'met']);
  });
});

describe('patient outcome', () => {
  it('is ineligible for a not_met that cannot resolve by waiting', () => {
    expect(outcomeOf([c('a', 'met'), c('b', 'not_met')])).toBe('ineligible');
  });
  it('is a potential candidate while a washout runs', () => {
    expect(outcomeOf([c('a', 'met'), c('b', 'not_met', { resolvesOn: '2026-07-01' })])).toBe('potential-candidate');
  });
  it('is eligible with every criterion met except manual ones under review', () => {
    expect(outcomeOf([c('a', 'met'), c('m', 'review', { manual: true })])).toBe('eligible');
  });
  it('is a potential candidate with an unknown or a data review', () => {
    expect(outcomeOf([c('a', 'met'), c('b', 'unknown')])).toBe('potential-candidate');
    expect(outcomeOf([c('a', 'met'), c('b', 'review')])).toBe('potential-candidate');
  });
  it('keeps a manual criterion under review whatever its rule says', () => {
    const trial = trialOf({ 't.inc.manual': { kind: 'age', min: 1 } });
    const report = screen(trial, emptyRecord());
    expect(report.criteria[0]).toMatchObject({ status: 'review', manual: true });
    expect(report.outcome).toBe('eligible');
  });
});
