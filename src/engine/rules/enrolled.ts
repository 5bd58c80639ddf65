import type { EnrolledElsewhereRule } from '../../mapping/schema';
import type { EvalContext } from '../context';
import { result, type RuleResult } from '../result';

/** The ResearchSubject identifier system eligo writes back; its own subjects are not "another trial". */
export const ELIGO_SUBJECT_SYSTEM = 'urn:eligo:research-subject';
export const ELIGO_TRIAL_SYSTEM = 'urn:eligo:trial';

export function evaluateEnrolledElsewhere(rule: EnrolledElsewhereRule, ctx: EvalContext): RuleResult {
  const trialIdentifiers = [{ system: ELIGO_TRIAL_SYSTEM, value: ctx.trial.id }, ...ctx.trial.def.identifiers];
  const isThisTrial = (s: (typeof ctx.record.researchSubjects)[number]): boolean =>
    trialIdentifiers.some((t) => s.studyIdentifier?.system === t.system && s.studyIdentifier.value === t.value) ||
    s.identifiers.some((i) => i.system === ELIGO_SUBJECT_SYSTEM && (i.value ?? '').startsWith(`${ctx.trial.id}:`));
  const onStudy = ctx.record.researchSubjects.filter((s) => rule.statuses.includes(s.status) && !isThisTrial(s));
  if (onStudy.length === 0) return result('false', 'no enrolment in another study on record');
  return result('true', `enrolled in another study: ${onStudy.map((s) => `${s.studyDisplay ?? s.studyReference ?? 'study'} (${s.status})`).join(', ')}`, {
    evidence: onStudy.map((s) => ({ reference: s.reference, value: s.status, ...(s.periodStart ? { date: s.periodStart.slice(0, 10) } : {}) })),
  });
}
