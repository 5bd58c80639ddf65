import type { Rule, ScoreItem, ScoreRule } from '../../mapping/schema';
import type { EvalContext } from '../context';
import { evidenceOf, readNumeric, round } from '../lab-reading';
import { isoOfDay } from '../dates';
import { result, type RuleResult } from '../result';
import { latestInLookback } from './lab';

export type RuleEvaluator = (rule: Rule, ctx: EvalContext) => RuleResult;

interface DomainOutcome {
  name: string;
  points: number;
  item?: string;
  undecided: string[];
  evidence: RuleResult['evidence'];
}

/** Only the highest item that holds counts in a domain; a domain with no item holding and some undecided is open. */
function scoreDomain(domain: { name: string; items: ScoreItem[] }, ctx: EvalContext, evaluate: RuleEvaluator): DomainOutcome {
  let best: { points: number; item: string; evidence: RuleResult['evidence'] } | undefined;
  const undecided: string[] = [];
  for (const item of domain.items) {
    const r = evaluate(item.rule, ctx);
    if (r.truth === 'true') {
      if (!best || item.points > best.points) best = { points: item.points, item: item.name, evidence: r.evidence };
    } else if (r.truth !== 'false') undecided.push(item.name);
  }
  // An undecided item worth more than the best found still leaves the domain open.
  const openHigher = domain.items.some((i) => undecided.includes(i.name) && i.points > (best?.points ?? 0));
  return {
    name: domain.name,
    points: best?.points ?? 0,
    ...(best ? { item: best.item } : {}),
    undecided: openHigher ? undecided : [],
    evidence: best?.evidence ?? [],
  };
}

/**
 * A weighted score computed from the data (EULAR/ACR 2019 domains, SLEDAI-2K laboratory
 * items), optionally backed by a total a clinician recorded.
 */
export function evaluateScore(rule: ScoreRule, ctx: EvalContext, evaluate: RuleEvaluator): RuleResult {
  const entry = rule.entry ? evaluate(rule.entry, ctx) : undefined;
  const domains = rule.domains.map((d) => scoreDomain(d, ctx, evaluate));
  const computed = domains.reduce((sum, d) => sum + d.points, 0);
  const open = domains.filter((d) => d.undecided.length > 0);
  const scored = domains.filter((d) => d.points > 0).map((d) => `${d.item ?? d.name} ${d.points}`);
  const evidence = [...(entry?.evidence ?? []), ...domains.flatMap((d) => d.evidence)];
  const summary = `${rule.name} computed ${computed}${scored.length > 0 ? ` (${scored.join(', ')})` : ''}`;
  const openText = open.length > 0 ? `; no data for: ${open.map((d) => d.name).join(', ')}` : '';

  if (entry && entry.truth === 'false') {
    return result(rule.completeBelow === 'not_met' ? 'false' : 'unknown', `${rule.name}: entry criterion not met (${entry.explanation})`, {
      evidence,
      missing: rule.completeBelow === 'not_met' ? [] : [`${rule.name} entry criterion`],
    });
  }
  const entryOk = !entry || entry.truth === 'true';
  if (entryOk && computed >= rule.threshold) {
    return result('true', `${summary} ≥ ${rule.threshold}`, { evidence, missing: [] });
  }
  const recorded = rule.recorded ? recordedTotal(rule, ctx) : undefined;
  let subtractOpen = '';
  if (recorded?.value !== undefined && rule.recorded) {
    const judged = rule.recorded.subtract.map((s) => ({ item: s, truth: evaluate(s.rule, ctx).truth }));
    const subtract = judged.filter((j) => j.truth === 'true').map((j) => j.item);
    // Points that may have to come off (a seizure whose onset is not dated): the total counts only if it holds without them.
    const maybe = judged.filter((j) => j.truth === 'unknown' || j.truth === 'review').map((j) => j.item);
    const minus = subtract.reduce((sum, s) => sum + s.points, 0);
    const counted = recorded.value - minus;
    const maybeMinus = maybe.reduce((sum, s) => sum + s.points, 0);
    const minusText = minus > 0 ? ` minus ${minus} for ${subtract.map((s) => s.name).join(', ')}` : '';
    if (maybeMinus > 0 && counted >= rule.recorded.threshold && counted - maybeMinus < rule.recorded.threshold) {
      subtractOpen = `; recorded ${rule.name} ${recorded.value}${minusText} reaches ${rule.recorded.threshold} only if ${maybe.map((s) => s.name).join(', ')} (undecided) is not counted in it`;
    } else if (entryOk && counted - maybeMinus >= rule.recorded.threshold && computed >= rule.recorded.minComputed) {
      return result('true', `recorded ${rule.name} ${recorded.value}${minusText} = ${counted} ≥ ${rule.recorded.threshold} with ${computed} computed points (≥ ${rule.recorded.minComputed} needed)`, {
        evidence: [...evidence, ...recorded.evidence],
        missing: [],
      });
    }
  }
  const floor = rule.recorded ? rule.recorded.minComputed : rule.threshold;
  if (rule.completeBelow === 'not_met' && open.length === 0 && entryOk && computed < floor) {
    return result('false', `${summary} < ${floor} with every item decided`, { evidence, missing: [] });
  }
  const recordedText = recorded?.value !== undefined ? `; recorded total ${recorded.value}` : recorded?.why ? `; ${recorded.why}` : '';
  const entryText = entry && entry.truth !== 'true' ? `; entry criterion undecided (${entry.explanation})` : '';
  return result('unknown', `${summary}, below ${rule.threshold}${openText}${recordedText}${entryText}${subtractOpen}`, {
    evidence: [...evidence, ...(recorded?.evidence ?? [])],
    missing: [...open.map((d) => `${rule.name}: ${d.name}`), ...(recorded?.value === undefined && rule.recorded ? [`recorded ${rule.name} total`] : []), ...(subtractOpen ? [`whether the recorded ${rule.name} counts points to be left out`] : [])],
  });
}

function recordedTotal(rule: ScoreRule, ctx: EvalContext): { value?: number; why?: string; evidence: RuleResult['evidence'] } {
  const spec = rule.recorded;
  if (!spec) return { evidence: [] };
  const analyte = ctx.analyte(spec.analyte);
  const latest = latestInLookback(ctx, analyte, spec.lookback ?? rule.lookback ?? '36500d', 'asOf');
  if (!latest.ok) return { why: latest.outcome.explanation, evidence: latest.outcome.evidence };
  const reading = readNumeric(latest.found.fact, analyte);
  if (!reading.ok || reading.reading.comparator) {
    return { why: `recorded total unusable${reading.ok ? '' : `: ${reading.reason}`}`, evidence: [evidenceOf(latest.found.fact)] };
  }
  const note = latest.found.byText ? `recorded total; matched by name, not by code` : 'recorded total';
  return {
    value: round(reading.reading.value),
    evidence: [{ ...evidenceOf(latest.found.fact, reading.reading, note), date: isoOfDay(latest.found.day as number) }],
  };
}
