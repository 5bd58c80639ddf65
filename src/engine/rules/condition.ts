import type { ConditionRule } from '../../mapping/schema';
import type { EvidenceItem } from '../../report/types';
import type { EvalContext } from '../context';
import { addDuration, dayOf, formatDuration, isoOfDay, lastDayOf, subtractDuration } from '../dates';
import { result, type RuleResult } from '../result';
import { conceptLabel, confirmTextOnly, factsMatching, matchAny, valueSetNames, type MatchKind } from './match';

interface Found {
  label: string;
  evidence: EvidenceItem;
  match: MatchKind;
}

const TEXT_NOTE = 'matched by display text, not by code';

export function evaluateCondition(rule: ConditionRule, ctx: EvalContext): RuleResult {
  const anchor = ctx.anchorDay(rule.anchor);
  const within = rule.within ? ctx.duration(rule.within) : undefined;
  const windowStart = within ? subtractDuration(anchor, within) : undefined;
  const resolvedCutoff = rule.unlessResolvedFor ? subtractDuration(anchor, ctx.duration(rule.unlessResolvedFor)) : undefined;
  const found: Found[] = [];
  const lapsed: Found[] = [];

  for (const condition of factsMatching(ctx, 'conditions matching', ctx.record.conditions, (c) => c.code, rule.valueSets)) {
    const m = matchAny(ctx, rule.valueSets, condition.code);
    if (!m) continue;
    const onsetDay = dayOf(condition.onset ?? condition.recordedDate);
    if (onsetDay !== undefined && onsetDay > ctx.asOfDay) continue;
    const abatementDay = lastDayOf(condition.abatement);
    // An acute condition nobody closed is not active for ever: only within the mapping's horizon.
    const horizon = ctx.terminology.valueSetDefs.get(m.valueSet)?.acuteHorizon;
    const pastHorizon =
      horizon !== undefined && condition.active && condition.abatement === undefined && (onsetDay === undefined || addDuration(onsetDay, ctx.duration(horizon)) < anchor);
    if (pastHorizon && (rule.status === 'active' || windowStart !== undefined)) {
      const label = conceptLabel(condition.code, m.matched);
      const since = condition.onset ?? condition.recordedDate;
      const evidence: EvidenceItem = { reference: condition.reference, value: label, note: `no abatement; past the ${formatDuration(ctx.duration(horizon))} horizon of an acute condition` };
      if (since) evidence.date = since.slice(0, 10);
      lapsed.push({ label: `${label} (${since ? `since ${since.slice(0, 10)}` : 'no onset date'}, never closed, past ${formatDuration(ctx.duration(horizon))})`, evidence, match: m });
      continue;
    }
    const activeNow = condition.active && (abatementDay === undefined || abatementDay >= anchor);
    if (rule.status === 'active' && !activeNow) continue;
    if (resolvedCutoff !== undefined && !condition.active && abatementDay !== undefined && abatementDay < resolvedCutoff) continue;
    if (windowStart !== undefined) {
      if (rule.withinBy === 'onset') {
        if (onsetDay === undefined || onsetDay < windowStart || onsetDay > anchor) continue;
      } else {
        const startedByEnd = onsetDay === undefined || onsetDay <= anchor;
        const lastedIntoWindow = activeNow || (abatementDay !== undefined && abatementDay >= windowStart);
        if (!startedByEnd || !lastedIntoWindow) continue;
      }
    }
    const label = conceptLabel(condition.code, m.matched);
    const status = condition.clinicalStatus ?? (condition.active ? 'active' : 'no status');
    const evidence: EvidenceItem = { reference: condition.reference, value: label };
    if (condition.onset ?? condition.recordedDate) evidence.date = (condition.onset ?? condition.recordedDate ?? '').slice(0, 10);
    const notes = [status, ...(condition.abatement ? [`abated ${condition.abatement.slice(0, 10)}`] : []), ...(m.byText ? [TEXT_NOTE] : [])];
    evidence.note = notes.join('; ');
    found.push({ label: `${label} (${status}${evidence.date ? `, since ${evidence.date}` : ''})`, evidence, match: m });
  }

  if (rule.includeFindings) {
    for (const fact of factsMatching(ctx, 'coded findings matching', ctx.record.observations, (o) => (o.value?.kind === 'coded' ? o.value.concept : undefined), rule.valueSets)) {
      if (fact.value?.kind !== 'coded') continue;
      const m = matchAny(ctx, rule.valueSets, fact.value.concept);
      if (!m) continue;
      const day = dayOf(fact.date);
      if (day !== undefined && day > ctx.asOfDay) continue;
      if (windowStart !== undefined && (day === undefined || day < windowStart || day > anchor)) continue;
      const label = conceptLabel(fact.value.concept, m.matched);
      const evidence: EvidenceItem = { reference: fact.reference, value: label, note: m.byText ? `finding; ${TEXT_NOTE}` : 'finding' };
      if (fact.date) evidence.date = fact.date.slice(0, 10);
      found.push({ label: `${label} (finding${evidence.date ? ` ${evidence.date}` : ''})`, evidence, match: m });
    }
    // A biopsy class or imaging finding written only in the report's text: a match by name, which a person confirms.
    for (const report of ctx.record.reports) {
      if (report.conclusion === undefined) continue;
      const m = matchAny(ctx, rule.valueSets, { codings: [], text: report.conclusion });
      if (!m) continue;
      const day = dayOf(report.date);
      if (day !== undefined && day > ctx.asOfDay) continue;
      if (windowStart !== undefined && (day === undefined || day < windowStart || day > anchor)) continue;
      const quoted = report.conclusion.length > 120 ? `${report.conclusion.slice(0, 117)}...` : report.conclusion;
      const evidence: EvidenceItem = { reference: report.reference, value: quoted, note: `report conclusion text; ${TEXT_NOTE}` };
      if (report.date) evidence.date = report.date.slice(0, 10);
      found.push({ label: `"${quoted}" (report text${evidence.date ? ` ${evidence.date}` : ''})`, evidence, match: { ...m, byText: true, decisive: false } });
    }
  }

  const names = valueSetNames(ctx, rule.valueSets);
  const qualifier = `${rule.status === 'active' ? 'active ' : ''}`;
  const where = within ? ` within ${formatDuration(within)} before ${ctx.anchorName(rule.anchor)} (from ${isoOfDay(windowStart as number)})` : '';
  if (found.length === 0 && lapsed.length > 0) {
    const what = `${lapsed.map((f) => f.label).join(', ')}: confirm it has resolved`;
    return result('review', `${names}${where}: ${what}`, { evidence: lapsed.map((f) => f.evidence), confirm: [what] });
  }
  if (found.length === 0) return result('false', `no ${qualifier}${names} recorded${where}`);
  const shown = found.slice(0, 4).map((f) => f.label);
  const more = found.length > 4 ? ` and ${found.length - 4} more` : '';
  const outcome = result('true', `${names}${where}: ${shown.join(', ')}${more}`, { evidence: found.map((f) => f.evidence) });
  return confirmTextOnly(outcome, found.map((f) => f.match), names);
}
