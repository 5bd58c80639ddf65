import type { Resource } from '@medplum/fhirtypes';
import { evaluate } from '../../src/engine/evaluate';
import { compileTrial } from '../../src/mapping/compile';
import { ruleSchema, trialFileSchema, type Rule } from '../../src/mapping/schema';
import { normalise } from '../../src/record/normalise';
import { catalog, judgeFhir } from '../real-ehr/helpers';
import { request, relative, stay } from '../trials/support';

/** The rule kinds that read stays, family history and plans, judged on FHIR JSON through the real reader (as of 2026-06-15). */
const hfReason: [string, string] = ['I50.23', 'Acute on chronic systolic (congestive) heart failure'];
const HF_STAYS = { kind: 'encounter', classes: ['inpatient'], reasons: ['heart_failure'], within: '12mo' };

describe('encounter: stays of a class for a reason, within a window', () => {
  it('counts admissions, not the ward stays within one, against minCount', () => {
    const rule = { ...HF_STAYS, minCount: 2 };
    const admission = stay('IMP', '2026-01-10T08:00:00Z', hfReason, { id: 'adm-1' });
    const ward = stay('IMP', '2026-01-11T08:00:00Z', hfReason, { partOf: { reference: 'Encounter/adm-1' } });
    expect(judgeFhir(rule, [admission, ward]).status).toBe('not_met');
    expect(judgeFhir(rule, [admission, ward, stay('IMP', '2026-04-02T08:00:00Z', hfReason)]).status).toBe('met');
  });

  it('counts a stay that began before the window and lasted into it', () => {
    const long = stay('IMP', '2025-06-01T08:00:00Z', hfReason, { period: { start: '2025-06-01T08:00:00Z', end: '2025-06-25T08:00:00Z' } });
    expect(judgeFhir(HF_STAYS, [long]).status).toBe('met');
    expect(judgeFhir(HF_STAYS, [stay('IMP', '2025-06-01T08:00:00Z', hfReason)]).status).toBe('not_met');
  });

  it('asks a person about a stay whose class is not a v3 ActCode, and reads a stay by its type', () => {
    const local = stay('IMP', '2026-03-01T08:00:00Z', hfReason, { class: { system: 'urn:oid:1.2.840.114350.1.72.1.7.7.10.696784.13260', code: '1', display: 'Inpatient' } });
    const result = judgeFhir(HF_STAYS, [local]);
    expect(result.status).toBe('review');
    expect(result.confirm).toMatch(/not a v3 ActCode/);
    const admissionType = { type: [{ coding: [{ system: 'http://snomed.info/sct', code: '32485007', display: 'Hospital admission' }] }] };
    expect(judgeFhir({ kind: 'encounter', types: ['hospital_admission'], within: '12mo' }, [stay('AMB', '2026-03-01T08:00:00Z', undefined, admissionType)]).status).toBe('met');
    expect(judgeFhir({ kind: 'encounter', types: ['hospital_admission'], within: '12mo' }, [stay('AMB', '2026-03-01T08:00:00Z', undefined)]).status).toBe('not_met');
  });

  it('does not count a stay dated after the as-of date, and asks a person where it would be the only one', () => {
    const later = judgeFhir(HF_STAYS, [stay('IMP', '2026-07-01T08:00:00Z', hfReason)]);
    expect(later.status).toBe('review');
    expect(later.confirm).toMatch(/after the as-of date/);
  });

  it('is unknown, not "no stay", when an Encounter could not be read', () => {
    const unreadable = stay('IMP', '2026-02-30', hfReason);
    const result = judgeFhir(HF_STAYS, [unreadable]);
    expect(result.status).toBe('unknown');
    expect(result.missing?.join(' ')).toMatch(/period.start "2026-02-30" is not a valid FHIR date/);
  });

  it('is unknown when the Encounter search could not be had (a gap of the reader)', () => {
    const def = trialFileSchema.parse({ id: 'stays', title: 'stays', criteria: [{ id: 't.inc.x', type: 'inclusion', text: 'x', rule: ruleSchema.parse(HF_STAYS) as Rule }] });
    const trial = compileTrial({ file: 'inline', def, locate: () => undefined }, catalog.terminology);
    const record = normalise([{ resourceType: 'Patient', id: 'p1' }] as Resource[], {
      gaps: [{ kind: 'Encounter', severity: 'unread', where: 'Encounter', reason: 'Encounter data was not read: the server does not offer Encounter search' }],
    });
    const criterion = evaluate(trial, record, { asOf: '2026-06-15' }, { version: 'test' }).criteria[0];
    expect(criterion?.status).toBe('unknown');
    expect(trial.reads).toEqual(['Encounter']);
  });
});

describe('family_history: relatives and what counts as an answer', () => {
  const men2a = { coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'E31.22', display: 'MEN type IIA' }] };
  const firstDegree = { kind: 'family_history', valueSets: ['mtc_men2'], relatives: 'first-degree' };
  it('counts only the relatives asked for', () => {
    expect(judgeFhir(firstDegree, [relative('PAUNT', 'paternal aunt', [men2a])]).status).toBe('not_met');
    expect(judgeFhir(firstDegree, [relative('NBRO', 'natural brother', [men2a])]).status).toBe('met');
    expect(judgeFhir({ ...firstDegree, relatives: 'blood' }, [relative('PAUNT', 'paternal aunt', [men2a])]).status).toBe('met');
    expect(judgeFhir({ ...firstDegree, relatives: 'any' }, [relative('FTHINLAW', 'father-in-law', [men2a])]).status).toBe('met');
  });

  it('takes no family history as not present only where the mapping says so (absentIs: "false")', () => {
    expect(judgeFhir(firstDegree, []).status).toBe('unknown');
    expect(judgeFhir({ ...firstDegree, absentIs: 'false' }, []).status).toBe('not_met');
  });

  it('does not count a record dated after the as-of date', () => {
    const later = relative('MTH', 'mother', [men2a], { date: '2026-08-01' });
    expect(judgeFhir(firstDegree, [relative('FTH', 'father', []), later]).status).toBe('review');
  });
});

describe('procedure planned: a plan still to come, within a horizon', () => {
  const rule = { kind: 'procedure', valueSets: ['bariatric_surgery_procedure'], planned: true, horizon: '6mo' };
  const bypass = (date: string | undefined): Record<string, unknown> => request('http://www.ama-assn.org/go/cpt', '43644', 'Laparoscopic gastric bypass', date);
  it('counts a plan within the horizon, not one after it, and asks about an undated one', () => {
    expect(judgeFhir(rule, [bypass('2026-09-14')]).status).toBe('met');
    expect(judgeFhir(rule, [bypass('2027-03-01')]).status).toBe('not_met');
    const undated = judgeFhir(rule, [bypass(undefined)]);
    expect(undated.status).toBe('review');
    expect(undated.confirm).toMatch(/gives no date/);
  });

  it('is unknown, not "nothing planned", when a ServiceRequest could not be read', () => {
    expect(judgeFhir(rule, [{ ...bypass('2026-09-14'), status: 'Active' }]).status).toBe('unknown');
  });

  it('refuses a planned rule written with within, and horizon without planned, saying what to write', () => {
    expect(ruleSchema.safeParse({ ...rule, horizon: undefined, within: '3mo' }).error?.issues[0]?.message).toMatch(/write horizon/);
    expect(ruleSchema.safeParse({ kind: 'procedure', valueSets: ['x'], horizon: '3mo' }).error?.issues[0]?.message).toMatch(/add planned: true/);
    expect(ruleSchema.safeParse({ kind: 'encounter', reasons: ['heart_failure'] }).error?.issues[0]?.message).toMatch(/say which stays count/);
    expect(ruleSchema.safeParse({ kind: 'condition', valueSets: ['heart_failure'], onsetAtLeast: '2mo', includeFindings: true }).error?.issues[0]?.message).toMatch(/leave out includeFindings/);
  });
});
