import type { Rule } from '../mapping/schema';
import type { Concept, DataGap, DataKind } from '../record/types';
import type { EvalContext } from './context';
import { result, type RuleResult } from './result';
import { matchAny } from './rules/match';

/**
 * CONVENTIONS.md "Real EHR data": data that could not be read is not absent data. Every rule
 * that reads a kind of data the record has a gap in is checked here, after it ran, so no rule
 * can forget it: an answer that rests on the absence of that data becomes `unknown` (or
 * `review` for a conflict or a date after the as-of date); an answer that rests on data found
 * stands, since more data could not take that finding away.
 */

type LeafRule = Exclude<Rule, { kind: 'all' | 'any' | 'measures' | 'at_least' | 'not' | 'confirm' | 'manual' | 'criterion' }>;

const MEDICATION_KINDS: readonly DataKind[] = ['MedicationStatement', 'MedicationRequest', 'MedicationAdministration', 'Medication'];
const LAB_KINDS: readonly DataKind[] = ['Observation', 'DiagnosticReport'];

/**
 * How an answer depends on the data:
 * - `finding`: true means something was found (it stands), false means nothing was;
 * - `clearance`: true means nothing was found in the window (a washout), false that something was;
 * - `latest`: the answer is read off the latest value, which the missing data may have replaced.
 */
type Dependence = 'finding' | 'clearance' | 'latest';

function kindsRead(rule: LeafRule): readonly DataKind[] {
  switch (rule.kind) {
    case 'age':
    case 'sex':
      return ['Patient'];
    case 'condition':
      return rule.includeFindings ? ['Condition', ...LAB_KINDS] : ['Condition'];
    case 'lab':
    case 'trend':
    case 'score':
      return LAB_KINDS;
    case 'cockcroft_gault':
      return ['Patient', ...LAB_KINDS];
    case 'answer':
      return LAB_KINDS;
    case 'computed':
      return ['Patient', ...LAB_KINDS];
    case 'medication':
      // The conditions whose days are left out may be among what could not be read.
      return rule.notDuring ? [...MEDICATION_KINDS, 'Condition'] : MEDICATION_KINDS;
    case 'medication_count':
      return MEDICATION_KINDS;
    case 'washout':
      return rule.vaccineValueSets.length > 0 ? [...MEDICATION_KINDS, 'Immunization'] : MEDICATION_KINDS;
    case 'immunization':
      return ['Immunization'];
    case 'procedure':
      return rule.planned ? ['ServiceRequest', 'Procedure'] : ['Procedure'];
    case 'encounter':
      // A stay's reasons may be Conditions it names.
      return rule.reasons.length > 0 ? ['Encounter', 'Condition'] : ['Encounter'];
    case 'family_history':
      return ['FamilyMemberHistory'];
    case 'allergy':
      return ['AllergyIntolerance'];
    case 'enrolled_elsewhere':
      return ['ResearchSubject'];
  }
}

function dependence(rule: LeafRule): Dependence {
  switch (rule.kind) {
    case 'medication':
      // "At most 14 days" holds because no more was found; with a minimum too, either answer may rest on what is missing.
      if (rule.maxDuration !== undefined) return rule.minDuration === undefined ? 'clearance' : 'latest';
      return 'finding';
    case 'condition':
    case 'immunization':
    case 'procedure':
    case 'allergy':
    case 'enrolled_elsewhere':
    case 'encounter':
    case 'family_history':
      return 'finding';
    case 'lab':
      return rule.select === 'ever' ? 'finding' : 'latest';
    case 'washout':
      return 'clearance';
    case 'age':
    case 'sex':
    case 'trend':
    case 'cockcroft_gault':
    case 'score':
    case 'answer':
    case 'computed':
    case 'medication_count':
      // A count within bounds rests on there being no more, as does one below its minimum.
      return 'latest';
  }
}

/** Whether the gap's data could be what the rule reads: a gap without a concept could be anything. */
function concerns(rule: LeafRule, gap: DataGap, ctx: EvalContext): boolean {
  if (gap.kind !== 'any' && !kindsRead(rule).includes(gap.kind)) return false;
  const concept = gap.concept;
  if (!concept) return rule.kind !== 'score' || rule.recorded !== undefined;
  switch (rule.kind) {
    case 'age':
    case 'sex':
    case 'enrolled_elsewhere':
      return true;
    case 'condition':
    case 'immunization':
    case 'procedure':
    case 'family_history':
      return matchAny(ctx, rule.valueSets, concept) !== undefined;
    case 'encounter':
      return matchAny(ctx, [...rule.reasons, ...rule.types], concept) !== undefined || rule.reasons.length === 0;
    case 'lab':
    case 'trend':
      return isAnalyte(ctx, concept, [rule.analyte]);
    case 'score':
      // Its items are rules of their own and weigh their gaps; the score reads only the recorded total.
      return rule.recorded !== undefined && isAnalyte(ctx, concept, [rule.recorded.analyte]);
    case 'cockcroft_gault':
      return isAnalyte(ctx, concept, [rule.creatinine, rule.weight, ...(rule.measuredClearance ? [rule.measuredClearance] : [])]);
    case 'answer':
      return isAnalyte(ctx, concept, [rule.observation]);
    case 'computed':
      return isAnalyte(ctx, concept, Object.values(rule.inputs));
    case 'medication':
      if (gap.kind === 'Condition') return rule.notDuring !== undefined && matchAny(ctx, rule.notDuring, concept) !== undefined;
      return inClasses(ctx, concept, rule.classes);
    case 'medication_count':
      return inClasses(ctx, concept, rule.classes);
    case 'washout':
      return inClasses(ctx, concept, rule.medicationClasses) || matchAny(ctx, rule.vaccineValueSets, concept) !== undefined;
    case 'allergy':
      return rule.anyMedication || matchAny(ctx, rule.valueSets, concept) !== undefined || inClasses(ctx, concept, rule.medicationClasses);
  }
}

function isAnalyte(ctx: EvalContext, concept: Concept, keys: string[]): boolean {
  return ctx.terminology.analytesOf(concept).some((a) => keys.includes(a.key));
}

function inClasses(ctx: EvalContext, concept: Concept, classes: string[]): boolean {
  if (classes.length === 0) return false;
  return ctx.terminology.ingredientsOf([concept]).some((i) => classes.some((c) => c === i.key || ctx.terminology.inClass(c, i)));
}

const LEAF_KINDS = new Set(['age', 'sex', 'condition', 'lab', 'trend', 'cockcroft_gault', 'answer', 'computed', 'medication_count', 'medication', 'washout', 'immunization', 'procedure', 'allergy', 'enrolled_elsewhere', 'encounter', 'family_history']);

function isLeaf(rule: Rule): rule is LeafRule {
  // A score reads data itself only through a recorded total.
  return LEAF_KINDS.has(rule.kind) || (rule.kind === 'score' && rule.recorded !== undefined);
}

/**
 * The record's gaps (unread or conflicting, not merely later than the as-of date) that could hold
 * data the rule reads: for a rule that picks an anchor event, an event it may have missed.
 */
export function gapsConcerning(rule: Rule, ctx: EvalContext): DataGap[] {
  if (!isLeaf(rule)) return [];
  return ctx.gaps().filter((g) => g.severity !== 'future' && concerns(rule, g, ctx));
}

/** The rule's answer in the light of the record's gaps. */
export function withGaps(rule: Rule, answer: RuleResult, ctx: EvalContext): RuleResult {
  if (!isLeaf(rule)) return answer;
  const all = ctx.gaps();
  if (all.length === 0) return answer;
  const gaps = all.filter((g) => concerns(rule, g, ctx));
  if (gaps.length === 0) return answer;
  if (answer.truth === 'unknown') {
    // Already undecided: say what else is missing, since that is what a coordinator goes to fix.
    const why = describe(gaps.filter((g) => g.severity !== 'future'));
    if (why === '') return answer;
    // Not "no data" any more: there is data, it could not be read.
    const { noData: _noData, ...rest } = answer;
    return { ...rest, explanation: `${answer.explanation}; ${why}`, missing: [...answer.missing, why] };
  }
  const how = dependence(rule);
  const rests = (truth: RuleResult['truth']): boolean => {
    if (truth === 'review') return how === 'latest';
    if (how === 'latest') return true;
    return how === 'finding' ? truth === 'false' : truth === 'true';
  };
  const conflicts = gaps.filter((g) => g.severity === 'conflict');
  const unread = gaps.filter((g) => g.severity === 'unread');
  const future = gaps.filter((g) => g.severity === 'future');
  // A conflict feeds the answer whichever way it went: a person decides which record is right.
  if (conflicts.length > 0 && answer.truth !== 'review') {
    const why = describe(conflicts);
    return result('review', `${answer.explanation}; but ${why}`, { evidence: answer.evidence, confirm: [why] });
  }
  if (unread.length > 0 && rests(answer.truth)) {
    const why = describe(unread);
    return result('unknown', `cannot be decided: ${why} (the answer without it would be: ${answer.explanation})`, {
      evidence: answer.evidence,
      missing: unread.map((g) => g.reason),
    });
  }
  // Only absences go to a person: a date after the as-of date does not change the latest value read.
  if (future.length > 0 && how !== 'latest' && rests(answer.truth) && answer.truth !== 'review') {
    const why = describe(future);
    return result('review', `${answer.explanation}; but ${why}`, { evidence: answer.evidence, confirm: [why] });
  }
  return answer;
}

function describe(gaps: DataGap[]): string {
  const shown = [...new Set(gaps.map((g) => g.reason))];
  const more = shown.length > 3 ? ` and ${shown.length - 3} more` : '';
  return `${shown.slice(0, 3).join('; ')}${more}`;
}
