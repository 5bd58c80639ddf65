import type { Rule } from '../mapping/schema';
import type { EvalContext } from './context';
import { evaluateAnchored } from './anchors';
import { withGaps } from './gaps';
import { allOf, anyOf, atLeast, needsConfirmation, negate, result, type RuleResult } from './result';
import { evaluateAllergy } from './rules/allergy';
import { evaluateAnswer } from './rules/answer';
import { evaluateComputed } from './rules/computed';
import { evaluateCockcroftGault } from './rules/cockcroft-gault';
import { evaluateCondition } from './rules/condition';
import { evaluateAge, evaluateSex } from './rules/demographics';
import { evaluateEncounter } from './rules/encounter';
import { evaluateEnrolledElsewhere } from './rules/enrolled';
import { evaluateFamilyHistory } from './rules/family-history';
import { evaluateImmunization } from './rules/immunization';
import { evaluateLab } from './rules/lab';
import { evaluateMedication, evaluateWashout } from './rules/medication';
import { evaluateMedicationCount } from './rules/medication-count';
import { evaluateProcedure } from './rules/procedure';
import { evaluateScore } from './rules/score';
import { evaluateTrend } from './rules/trend';

const STATUS_TO_TRUTH = { met: 'true', not_met: 'false', unknown: 'unknown', review: 'review' } as const;

export function evaluateRule(rule: Rule, ctx: EvalContext): RuleResult {
  // A rule counting from an anchor read from the record runs on that event's day (anchors.ts).
  return withGaps(rule, evaluateAnchored(rule, ctx, () => evaluateOwnData(rule, ctx)), ctx);
}

/** The rule's answer from the data the record has; `withGaps` then weighs what it lacks. */
function evaluateOwnData(rule: Rule, ctx: EvalContext): RuleResult {
  switch (rule.kind) {
    case 'all':
      return untakenIfAll(rule.of.map((r) => evaluateRule(r, ctx)), allOf);
    case 'any':
      return untakenIfAll(rule.of.map((r) => evaluateRule(r, ctx)), anyOf);
    case 'measures': {
      const parts = rule.of.map((r) => evaluateRule(r, ctx));
      const taken = parts.filter((p) => p.noData !== true);
      return anyOf(taken.length > 0 ? taken : parts);
    }
    case 'at_least':
      return untakenIfAll(rule.of.map((r) => evaluateRule(r, ctx)), (parts) => atLeast(rule.n, parts));
    case 'not':
      return untakenIfAll([evaluateRule(rule.rule, ctx)], ([part]) => negate(part as RuleResult));
    case 'confirm':
      return needsConfirmation(evaluateRule(rule.rule, ctx), rule.reason);
    case 'manual':
      return result('review', rule.reason, { confirm: [rule.reason] });
    case 'criterion': {
      const other = ctx.criterionResult(rule.id);
      const status = truthToStatus(other.truth);
      return { ...other, truth: STATUS_TO_TRUTH[status], explanation: `${rule.id} ${status}: ${other.explanation}` };
    }
    case 'age':
      return evaluateAge(rule, ctx);
    case 'sex':
      return evaluateSex(rule, ctx);
    case 'condition':
      return evaluateCondition(rule, ctx);
    case 'lab':
      return evaluateLab(rule, ctx);
    case 'medication':
      return evaluateMedication(rule, ctx);
    case 'washout':
      return evaluateWashout(rule, ctx);
    case 'immunization':
      return evaluateImmunization(rule, ctx);
    case 'procedure':
      return evaluateProcedure(rule, ctx);
    case 'allergy':
      return evaluateAllergy(rule, ctx);
    case 'enrolled_elsewhere':
      return evaluateEnrolledElsewhere(rule, ctx);
    case 'trend':
      return evaluateTrend(rule, ctx);
    case 'score':
      return evaluateScore(rule, ctx, evaluateRule);
    case 'cockcroft_gault':
      return evaluateCockcroftGault(rule, ctx);
    case 'answer':
      return evaluateAnswer(rule, ctx);
    case 'computed':
      return evaluateComputed(rule, ctx);
    case 'medication_count':
      return evaluateMedicationCount(rule, ctx);
    case 'encounter':
      return evaluateEncounter(rule, ctx);
    case 'family_history':
      return evaluateFamilyHistory(rule, ctx);
  }
}

export function truthToStatus(truth: RuleResult['truth']): 'met' | 'not_met' | 'unknown' | 'review' {
  switch (truth) {
    case 'true':
      return 'met';
    case 'false':
      return 'not_met';
    case 'unknown':
      return 'unknown';
    case 'review':
      return 'review';
  }
}

/**
 * A combination of measures none of which was taken is itself a measure not taken, so
 * `measures: [any(BMI <= 20, BMI > 45), any(computed <= 20, computed > 45)]` lets the measure
 * that was taken decide, as it does for single rules (CONVENTIONS.md "One quantity, several tests").
 */
function untakenIfAll(parts: RuleResult[], combine: (parts: RuleResult[]) => RuleResult): RuleResult {
  const combined = combine(parts);
  return parts.length > 0 && parts.every((p) => p.noData === true) ? { ...combined, noData: true } : combined;
}
