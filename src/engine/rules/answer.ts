import type { AnswerRule } from '../../mapping/schema';
import type { Concept } from '../../record/types';
import type { EvalContext } from '../context';
import { isoOfDay } from '../dates';
import { evidenceOf } from '../lab-reading';
import { result, type RuleResult } from '../result';
import { latestInLookback } from './lab';
import { conceptLabel, matchAny, textOnly, valueSetNames } from './match';

/**
 * The latest coded answer of one observation (ECOG, NYHA, MGFA class, stage) against the answers
 * that meet the criterion. No result is `unknown` (a class not on record is not "no class"); a
 * coded answer outside the sets is `not_met`; an answer in words only, or recognised only by its
 * name, is `review` with the words quoted.
 */
export function evaluateAnswer(rule: AnswerRule, ctx: EvalContext): RuleResult {
  const analyte = ctx.analyte(rule.observation);
  const name = analyte.def.display;
  const latest = latestInLookback(ctx, analyte, rule.lookback, rule.anchor);
  if (!latest.ok) return latest.outcome;
  const { fact } = latest.found;
  const on = latest.found.day === undefined ? '' : ` on ${isoOfDay(latest.found.day)}`;
  const value = fact.value;
  const concept: Concept | undefined = value?.kind === 'coded' ? value.concept : value?.kind === 'qualitative' ? value.concept : undefined;
  const wanted = valueSetNames(ctx, rule.in);
  if (!concept) {
    const words = value?.kind === 'string' || value?.kind === 'qualitative' ? value.text : undefined;
    if (words) {
      const reason = `${name} answered in words only ("${words.slice(0, 80)}"): is it ${wanted}?`;
      return result('review', `${name}${on}: "${words.slice(0, 80)}", not a coded answer`, { evidence: [evidenceOf(fact)], confirm: [reason] });
    }
    return result('unknown', `${name}${on} is not a coded answer`, { evidence: [evidenceOf(fact)], missing: [`${name} as a coded answer`] });
  }
  const label = conceptLabel(concept, 'a coded answer');
  const match = matchAny(ctx, rule.in, concept);
  if (match && !textOnly(match)) return result('true', `${name}${on}: ${label} (${wanted})`, { evidence: [{ ...evidenceOf(fact), value: label }] });
  if (match || concept.codings.length === 0) {
    const reason = `${name} "${label}" is recorded without a listed code: is it ${wanted}?`;
    return result('review', `${name}${on}: ${label}, to confirm`, { evidence: [{ ...evidenceOf(fact), value: label }], confirm: [reason] });
  }
  return result('false', `${name}${on}: ${label}, not ${wanted}`, { evidence: [{ ...evidenceOf(fact), value: label }] });
}
