import type { MedicationCountRule } from '../../mapping/schema';
import type { EvalContext } from '../context';
import { durationDays } from '../dates';
import { result, type RuleResult } from '../result';
import { windowOf } from '../window';
import { confirmTextOnly } from './match';
import { exposuresOf, type MatchedExposure } from './medication';

/** Exposures merged into courses: a new course starts after a gap of at least `gapDays`. */
function episodes(exposures: MatchedExposure[], gapDays: number, untilDay: number): number {
  const spans = exposures
    .map((e) => [e.startDay as number, e.ongoing ? untilDay : (e.endDay ?? (e.startDay as number))] as const)
    .sort((a, b) => a[0] - b[0]);
  let count = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const [start, stop] of spans) {
    if (start - end >= gapDays) count++;
    end = Math.max(end, stop);
  }
  return count;
}

/**
 * How many distinct drugs, classes or courses of the given classes were given: within [min,
 * max] meets. An exposure with no start date may or may not count: when counting it would change
 * the answer, the answer is `unknown`. A count resting on medications recognised only by name is
 * `review`.
 */
export function evaluateMedicationCount(rule: MedicationCountRule, ctx: EvalContext): RuleResult {
  const window = windowOf(ctx, rule);
  // Without a window, everything up to the anchor counts.
  const anchor = window?.to ?? ctx.anchorDay(rule.anchor);
  const all = exposuresOf(ctx, rule.classes, rule.systemicOnly);
  const from = window?.from ?? Number.NEGATIVE_INFINITY;
  const inWindow = (e: MatchedExposure): boolean => e.startDay !== undefined && e.startDay <= anchor && (e.ongoing || (e.endDay ?? e.startDay) >= from);
  const counted = all.filter(inWindow);
  const undated = all.filter((e) => e.startDay === undefined);
  const countOf = (exposures: MatchedExposure[]): number => {
    switch (rule.count) {
      case 'ingredients':
        return new Set(exposures.flatMap((e) => e.ingredientKeys)).size;
      case 'classes': {
        const references = new Set(exposures.map((e) => e.exposure.reference));
        return rule.classes.filter((c) => exposuresOf(ctx, [c], rule.systemicOnly).some((e) => references.has(e.exposure.reference))).length;
      }
      case 'episodes':
        return episodes(exposures, durationDays(ctx.duration(rule.gap)), anchor);
    }
  };
  const n = countOf(counted);
  const inRange = (x: number): boolean => (rule.min === undefined || x >= rule.min) && (rule.max === undefined || x <= rule.max);
  const what = rule.count === 'ingredients' ? 'distinct drugs' : rule.count === 'classes' ? 'drug classes' : 'courses';
  const range = rule.min !== undefined && rule.max !== undefined ? `${rule.min}-${rule.max}` : rule.min !== undefined ? `at least ${rule.min}` : `at most ${rule.max ?? 0}`;
  const windowText = window ? ` ${window.text}` : '';
  const names = [...new Set(counted.map((e) => e.label))].slice(0, 6).join(', ');
  const text = `${n} ${what} of ${rule.classes.map((c) => ctx.terminology.classDisplay.get(c) ?? c).join(' or ')}${windowText}${names ? ` (${names})` : ''}; needed ${range}`;
  const evidence = counted.map((e) => e.evidence);
  // Undated exposures: counted all or none, if either changes the answer it cannot be given.
  if (undated.length > 0 && inRange(countOf([...counted, ...undated.map((e) => ({ ...e, startDay: anchor }))])) !== inRange(n)) {
    return result('unknown', `${text}; ${undated.length} more without a start date may count`, { evidence: [...evidence, ...undated.map((e) => e.evidence)], missing: ['medication start dates'] });
  }
  return confirmTextOnly(result(inRange(n) ? 'true' : 'false', text, { evidence }), counted.map((e) => ({ byText: e.byText, matched: e.label })), what);
}
