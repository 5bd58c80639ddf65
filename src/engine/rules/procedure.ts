import type { ProcedureRule } from '../../mapping/schema';
import type { EvidenceItem } from '../../report/types';
import type { EvalContext } from '../context';
import { dayOf, formatDuration, isoOfDay, subtractDuration } from '../dates';
import { result, type RuleResult } from '../result';
import { conceptLabel, confirmTextOnly, factsMatching, matchAny, textOnly, valueSetNames, type MatchKind } from './match';

export function evaluateProcedure(rule: ProcedureRule, ctx: EvalContext): RuleResult {
  const anchor = ctx.anchorDay(rule.anchor);
  const within = rule.within ? ctx.duration(rule.within) : undefined;
  const from = within ? subtractDuration(anchor, within) : undefined;
  const found: { day: number | undefined; label: string; evidence: EvidenceItem; match: MatchKind }[] = [];
  for (const p of factsMatching(ctx, 'procedures matching', ctx.record.procedures, (f) => f.code, rule.valueSets)) {
    const m = matchAny(ctx, rule.valueSets, p.code);
    if (!m) continue;
    const day = dayOf(p.date);
    if (day !== undefined && day > ctx.asOfDay) continue;
    if (from !== undefined && (day === undefined || day < from || day > anchor)) continue;
    const label = conceptLabel(p.code, m.matched);
    const evidence: EvidenceItem = { reference: p.reference, value: label, note: `status ${p.status}${m.byText ? '; matched by display text, not by code' : ''}` };
    if (p.date) evidence.date = p.date.slice(0, 10);
    found.push({ day, label, evidence, match: m });
  }
  const names = valueSetNames(ctx, rule.valueSets);
  const where = within ? ` within ${formatDuration(within)} before ${ctx.anchorName(rule.anchor)}` : '';
  if (rule.minCount > 1) {
    const days = found.map((f) => f.day).filter((d): d is number => d !== undefined).sort((a, b) => a - b);
    const gap = rule.maxInterval ? ctx.duration(rule.maxInterval) : undefined;
    let run = days.length > 0 ? 1 : 0;
    let best = run;
    for (let i = 1; i < days.length; i++) {
      const prev = days[i - 1] as number;
      const cur = days[i] as number;
      const allowed = gap === undefined ? Infinity : cur - subtractDuration(cur, gap);
      run = cur - prev <= allowed ? run + 1 : 1;
      best = Math.max(best, run);
    }
    const holds = best >= rule.minCount;
    const spacing = gap ? ` at intervals of at most ${formatDuration(gap)}` : '';
    const outcome = result(holds ? 'true' : 'false', `${best} ${names}${spacing}${where} (${rule.minCount} needed)`, { evidence: found.map((f) => f.evidence) });
    // The count is decided by codes only if it holds without the name-only matches.
    const byName = found.filter((f) => textOnly(f.match)).map((f) => f.match);
    return byName.length > 0 ? confirmTextOnly(outcome, byName, names) : outcome;
  }
  if (found.length === 0) return result('false', `no ${names} recorded${where}`);
  const outcome = result('true', `${names}${where}: ${found.slice(0, 4).map((f) => `${f.label} (${f.day === undefined ? 'undated' : isoOfDay(f.day)})`).join(', ')}`, {
    evidence: found.map((f) => f.evidence),
  });
  return confirmTextOnly(outcome, found.map((f) => f.match), names);
}
