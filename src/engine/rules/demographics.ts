import type { EvalContext } from '../context';
import { ageInYears } from '../dates';
import { result, type RuleResult } from '../result';

export function evaluateAge(rule: { min?: number; max?: number }, ctx: EvalContext): RuleResult {
  const bounds = `${rule.min ?? 0}${rule.max === undefined ? '+' : `-${rule.max}`}`;
  const evidence = [{ reference: ctx.record.patientReference, note: 'birth date (not shown)' }];
  if (!ctx.record.birthDate) return result('unknown', 'no birth date recorded', { missing: ['birth date'] });
  const age = ageInYears(ctx.record.birthDate, ctx.asOfDay);
  if (!age) return result('unknown', 'birth date unreadable', { missing: ['birth date'] });
  const fits = (a: number): boolean => (rule.min === undefined || a >= rule.min) && (rule.max === undefined || a <= rule.max);
  const shown = age.min === age.max ? `${age.min}` : `${age.min}-${age.max}`;
  const withAge = [{ ...evidence[0], value: age.min, unit: 'a' }] as RuleResult['evidence'];
  if (fits(age.min) && fits(age.max)) return result('true', `age ${shown} years (needed ${bounds})`, { evidence: withAge });
  if (!fits(age.min) && !fits(age.max)) return result('false', `age ${shown} years (needed ${bounds})`, { evidence: withAge });
  return result('unknown', `age ${shown} years from a partial birth date; needed ${bounds}`, { evidence: withAge, missing: ['full birth date'] });
}

export function evaluateSex(rule: { is: 'female' | 'male' }, ctx: EvalContext): RuleResult {
  const gender = ctx.record.gender;
  const evidence = [{ reference: ctx.record.patientReference, value: gender ?? 'not recorded' }];
  if (gender !== 'female' && gender !== 'male') {
    return result('unknown', `administrative sex ${gender ?? 'not recorded'}`, { evidence, missing: ['sex'] });
  }
  return result(gender === rule.is ? 'true' : 'false', `sex ${gender}`, { evidence });
}
