import type { ProcedureRule } from '../../mapping/schema';
import type { Concept } from '../../record/types';
import type { EvidenceItem } from '../../report/types';
import type { EvalContext } from '../context';
import { addDuration, dayOf, formatDuration, isoOfDay, subtractDuration } from '../dates';
import { result, type RuleResult } from '../result';
import { windowOf } from '../window';
import { conceptLabel, confirmTextOnly, factsMatching, matchAny, textOnly, valueSetNames, type MatchKind } from './match';

export function evaluateProcedure(rule: ProcedureRule, ctx: EvalContext): RuleResult {
  if (rule.planned) return evaluatePlanned(rule, ctx);
  const window = windowOf(ctx, rule);
  const found: { day: number | undefined; label: string; evidence: EvidenceItem; match: MatchKind }[] = [];
  /** Matching procedures with no body site recorded, when the rule asks for one (ProcedureRule.bodySites). */
  const siteless: { label: string; evidence: EvidenceItem }[] = [];
  for (const p of factsMatching(ctx, 'procedures matching', ctx.record.procedures, (f) => f.code, rule.valueSets)) {
    const m = matchAny(ctx, rule.valueSets, p.code);
    if (!m) continue;
    const day = dayOf(p.date);
    if (day !== undefined && day > ctx.asOfDay) continue;
    if (window && (day === undefined || day < window.from || day > window.to)) continue;
    const label = conceptLabel(p.code, m.matched);
    const evidence: EvidenceItem = { reference: p.reference, value: label, note: `status ${p.status}${m.byText ? '; matched by display text, not by code' : ''}` };
    if (p.date) evidence.date = p.date.slice(0, 10);
    if (rule.bodySites) {
      if (!p.bodySites) {
        siteless.push({ label: `${label} (${day === undefined ? 'undated' : isoOfDay(day)})`, evidence });
        continue;
      }
      const site = siteMatch(ctx, rule.bodySites, p.bodySites);
      if (!site) continue;
      evidence.note = `${evidence.note ?? ''}; body site ${site.label}${site.match.byText ? ' (by name, not by code)' : ''}`;
      // A site named only in words is for a person to confirm, as a procedure named only in words.
      found.push({ day, label, evidence, match: textOnly(site.match) ? site.match : m });
      continue;
    }
    found.push({ day, label, evidence, match: m });
  }
  const names = `${valueSetNames(ctx, rule.valueSets)}${rule.bodySites ? ` to ${valueSetNames(ctx, rule.bodySites)}` : ''}`;
  const where = window ? ` ${window.text}` : '';
  const outcome = counted(rule, ctx, found, names, where);
  // A procedure whose site is not recorded may have been to the site asked about: not false.
  if (outcome.truth !== 'false' || siteless.length === 0) return outcome;
  return result('unknown', `${outcome.explanation}; no body site recorded for ${siteless.slice(0, 3).map((f) => f.label).join(', ')}: the site decides`, {
    evidence: siteless.map((f) => f.evidence),
    missing: siteless.map((f) => `the body site of ${f.evidence.reference}`),
  });
}

/** The first of a procedure's body sites in the value sets, by code before by name. */
function siteMatch(ctx: EvalContext, valueSets: string[], sites: Concept[]): { label: string; match: MatchKind } | undefined {
  let byName: { label: string; match: MatchKind } | undefined;
  for (const site of sites) {
    const m = matchAny(ctx, valueSets, site);
    if (!m) continue;
    if (!textOnly(m)) return { label: conceptLabel(site, m.matched), match: m };
    byName ??= { label: conceptLabel(site, m.matched), match: m };
  }
  return byName;
}

function counted(rule: ProcedureRule, ctx: EvalContext, found: { day: number | undefined; label: string; evidence: EvidenceItem; match: MatchKind }[], names: string, where: string): RuleResult {
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

/**
 * A procedure still to come (ProcedureRule.planned). A firm plan by code decides; a tentative one
 * (draft, on hold, a proposal, status unknown), a name-only match, a plan whose date has passed
 * while it still stands, or an undated one against a horizon are for a person to confirm.
 */
function evaluatePlanned(rule: ProcedureRule, ctx: EvalContext): RuleResult {
  const anchor = ctx.anchorDay(rule.anchor);
  const horizon = rule.horizon ? ctx.duration(rule.horizon) : undefined;
  const until = horizon ? addDuration(anchor, horizon) : undefined;
  const names = valueSetNames(ctx, rule.valueSets);
  const by = horizon ? ` within ${formatDuration(horizon)} after ${ctx.anchorName(rule.anchor)} (by ${isoOfDay(until as number)})` : '';
  const firm: { label: string; evidence: EvidenceItem }[] = [];
  const toConfirm: { label: string; evidence: EvidenceItem; why: string }[] = [];
  for (const p of ctx.record.plannedProcedures) {
    const m = matchAny(ctx, rule.valueSets, p.code);
    if (!m) continue;
    const day = dayOf(p.date);
    if (until !== undefined && day !== undefined && day > until) continue;
    const label = `${conceptLabel(p.code, m.matched)} (${p.date ? `planned for ${p.date.slice(0, 10)}` : 'no date'})`;
    const source = p.source === 'ServiceRequest' ? `ServiceRequest ${p.status}, intent ${p.intent ?? ''}` : `Procedure ${p.status}`;
    const evidence: EvidenceItem = { reference: p.reference, value: conceptLabel(p.code, m.matched), note: `${source}${m.byText ? '; matched by display text, not by code' : ''}` };
    if (p.date) evidence.date = p.date.slice(0, 10);
    const why =
      p.tentative !== undefined
        ? `${p.reference}: ${p.tentative}; confirm it is planned`
        : textOnly(m)
          ? `${p.reference} names it only by name ("${m.matched ?? ''}"): confirm it is one`
          : day !== undefined && day < ctx.asOfDay
            ? `${p.reference} was planned for ${p.date?.slice(0, 10) ?? ''}, before screening, and still stands: confirm it is still planned`
            : day === undefined && until !== undefined
              ? `${p.reference} gives no date: confirm it is planned${by}`
              : undefined;
    if (why === undefined) firm.push({ label, evidence });
    else toConfirm.push({ label, evidence, why });
  }
  const listed = (list: { label: string }[]): string => list.slice(0, 4).map((f) => f.label).join(', ');
  if (firm.length > 0) return result('true', `${names} planned${by}: ${listed(firm)}`, { evidence: firm.map((f) => f.evidence) });
  if (toConfirm.length > 0) {
    return result('review', `${names} planned${by}: ${listed(toConfirm)}`, { evidence: toConfirm.map((f) => f.evidence), confirm: toConfirm.map((f) => f.why) });
  }
  return result('false', `no ${names} planned${by} (no standing ServiceRequest or Procedure in preparation)`);
}
