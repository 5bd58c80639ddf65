import type { ConditionRule } from '../../mapping/schema';
import type { ConditionFact } from '../../record/types';
import type { EvidenceItem } from '../../report/types';
import type { EvalContext } from '../context';
import { addDuration, dayOf, formatDuration, isoOfDay, lastDayOf, subtractDuration } from '../dates';
import { result, type RuleResult } from '../result';
import { windowOf, type Window } from '../window';
import { conceptLabel, confirmTextOnly, factsMatching, matchAny, valueSetNames, type MatchKind } from './match';

interface Found {
  label: string;
  evidence: EvidenceItem;
  match: MatchKind;
}

const TEXT_NOTE = 'matched by display text, not by code';

export function evaluateCondition(rule: ConditionRule, ctx: EvalContext): RuleResult {
  const anchor = ctx.anchorDay(rule.anchor);
  const window = windowOf(ctx, rule);
  const windowStart = window?.from;
  // Before the anchor the window ends on it; after it, `within` later.
  const windowEnd = window?.to ?? anchor;
  const resolvedCutoff = rule.unlessResolvedFor ? subtractDuration(anchor, ctx.duration(rule.unlessResolvedFor)) : undefined;
  const found: Found[] = [];
  const lapsed: Found[] = [];
  // Matching conditions whose dates cannot place them in the window: a definite one still decides.
  const undated: ({ found: Found } & Undecided)[] = [];
  const diagnosed = rule.onsetAtLeast === undefined ? undefined : { span: ctx.duration(rule.onsetAtLeast), tooRecent: [] as Found[], undecided: [] as { found: Found; why: string }[] };

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
    // Only where presence counts: a new onset in the window is dated by its onset alone, closed or not.
    if (pastHorizon && (rule.status === 'active' || (windowStart !== undefined && rule.withinBy === 'presence'))) {
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
    let placed: Placement = 'inside';
    if (window !== undefined) {
      const lastedIntoWindow = activeNow || (abatementDay !== undefined && abatementDay >= window.from);
      placed = rule.withinBy === 'onset' ? onsetWithin(condition, window) : lastedIntoWindow ? startedBy(condition, window, windowEnd) : 'outside';
      if (placed === 'outside') continue;
    }
    const label = conceptLabel(condition.code, m.matched);
    const status = condition.clinicalStatus ?? (condition.active ? 'active' : 'no status');
    const evidence: EvidenceItem = { reference: condition.reference, value: label };
    if (condition.onset ?? condition.recordedDate) evidence.date = (condition.onset ?? condition.recordedDate ?? '').slice(0, 10);
    const notes = [status, ...(condition.abatement ? [`abated ${condition.abatement.slice(0, 10)}`] : []), ...(m.byText ? [TEXT_NOTE] : [])];
    evidence.note = notes.join('; ');
    // A recordedDate is when it was written down, not when it began.
    const dateText = evidence.date ? `, ${condition.onset === undefined ? 'recorded' : 'since'} ${evidence.date}` : '';
    const hit: Found = { label: `${label} (${status}${dateText})`, evidence, match: m };
    if (placed !== 'inside') {
      undated.push({ found: hit, ...placed });
      continue;
    }
    if (diagnosed) {
      const since = diagnosedSince(condition, subtractDuration(anchor, diagnosed.span));
      if (since === 'too recent') diagnosed.tooRecent.push(hit);
      else if (since !== 'long enough') diagnosed.undecided.push({ found: hit, why: since.undecided });
      else found.push(hit);
      continue;
    }
    found.push(hit);
  }

  if (rule.includeFindings) {
    for (const fact of factsMatching(ctx, 'coded findings matching', ctx.record.observations, (o) => (o.value?.kind === 'coded' ? o.value.concept : undefined), rule.valueSets)) {
      if (fact.value?.kind !== 'coded') continue;
      const m = matchAny(ctx, rule.valueSets, fact.value.concept);
      if (!m) continue;
      const day = dayOf(fact.date);
      if (day !== undefined && day > ctx.asOfDay) continue;
      if (windowStart !== undefined && (day === undefined || day < windowStart || day > windowEnd)) continue;
      // A finding shows the condition on its own date: diagnosed long enough ago only if that is.
      if (diagnosed && !((lastDayOf(fact.date) ?? Infinity) <= subtractDuration(anchor, diagnosed.span))) continue;
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
      if (windowStart !== undefined && (day === undefined || day < windowStart || day > windowEnd)) continue;
      if (diagnosed && !((lastDayOf(report.date) ?? Infinity) <= subtractDuration(anchor, diagnosed.span))) continue;
      const quoted = report.conclusion.length > 120 ? `${report.conclusion.slice(0, 117)}...` : report.conclusion;
      const evidence: EvidenceItem = { reference: report.reference, value: quoted, note: `report conclusion text; ${TEXT_NOTE}` };
      if (report.date) evidence.date = report.date.slice(0, 10);
      found.push({ label: `"${quoted}" (report text${evidence.date ? ` ${evidence.date}` : ''})`, evidence, match: { ...m, byText: true, decisive: false } });
    }
  }

  const names = valueSetNames(ctx, rule.valueSets);
  const qualifier = `${rule.status === 'active' ? 'active ' : ''}`;
  const where = window ? (window.direction === 'before' ? ` ${window.text} (from ${isoOfDay(window.from)})` : ` ${window.text}`) : '';
  if (found.length === 0 && undated.length > 0) {
    // With any of them only a missing date away from counting, "none in the window" would be a guess.
    const missingDate = undated.filter((u) => u.truth === 'unknown');
    const shown = (list: typeof undated): string => list.slice(0, 4).map((u) => `${u.found.label}: ${u.why}`).join('; ');
    if (missingDate.length > 0) return result('unknown', `${names}${where}: ${shown(missingDate)}`, { evidence: missingDate.map((u) => u.found.evidence), missing: [`onset date of ${names}`] });
    const what = undated.map((u) => `${u.found.label}: ${u.why}`);
    return result('review', `${names}${where}: ${shown(undated)}`, { evidence: undated.map((u) => u.found.evidence), confirm: what });
  }
  if (diagnosed && found.length === 0) {
    const cutoff = isoOfDay(subtractDuration(anchor, diagnosed.span));
    const since = `diagnosed at least ${formatDuration(diagnosed.span)} before ${ctx.anchorName(rule.anchor)} (by ${cutoff})`;
    if (diagnosed.undecided.length > 0) {
      // Its date cannot place it before or after the cut-off: not "too recent", which would be a guess.
      const why = diagnosed.undecided.map((u) => `${u.found.label}: ${u.why}`).join('; ');
      return result('unknown', `${names}${where} ${since}: ${why}`, { evidence: diagnosed.undecided.map((u) => u.found.evidence), missing: [`onset date of ${names}`] });
    }
    if (diagnosed.tooRecent.length > 0) {
      return result('false', `${names}${where}: ${diagnosed.tooRecent.slice(0, 4).map((f) => f.label).join(', ')}, not ${since}`, { evidence: diagnosed.tooRecent.map((f) => f.evidence) });
    }
  }
  if (found.length === 0 && lapsed.length > 0) {
    const what = `${lapsed.map((f) => f.label).join(', ')}: confirm it has resolved`;
    return result('review', `${names}${where}: ${what}`, { evidence: lapsed.map((f) => f.evidence), confirm: [what] });
  }
  if (found.length === 0) return result('false', `no ${qualifier}${names} recorded${where}`);
  const shown = found.slice(0, 4).map((f) => f.label);
  const sinceText = diagnosed ? ` diagnosed at least ${formatDuration(diagnosed.span)} before ${ctx.anchorName(rule.anchor)}` : '';
  const more = found.length > 4 ? ` and ${found.length - 4} more` : '';
  const outcome = result('true', `${names}${where}${sinceText}: ${shown.join(', ')}${more}`, { evidence: found.map((f) => f.evidence) });
  return confirmTextOnly(outcome, found.map((f) => f.match), names);
}

/**
 * Whether a Condition was diagnosed by `cutoff` ("diagnosed at least 3 months ago"). The onset
 * decides; a partial onset (2026-03) decides only when all its days fall on one side. With no
 * readable onset, `recordedDate` is used one way only: a condition written down by the cut-off was
 * diagnosed by then, but one recorded later may be an old diagnosis entered late, so it stays open.
 */
function diagnosedSince(condition: ConditionFact, cutoff: number): 'long enough' | 'too recent' | { undecided: string } {
  const first = dayOf(condition.onset);
  const last = lastDayOf(condition.onset);
  if (first !== undefined && last !== undefined) {
    if (last <= cutoff) return 'long enough';
    if (first > cutoff) return 'too recent';
    return { undecided: `onset ${condition.onset ?? ''} is known only to the ${/^\d{4}$/.test(condition.onset ?? '') ? 'year' : 'month'}, which spans ${isoOfDay(cutoff)}` };
  }
  const recorded = lastDayOf(condition.recordedDate);
  if (recorded !== undefined && recorded <= cutoff) return 'long enough';
  const onsetText = condition.onset === undefined ? 'no onset date' : `onset "${condition.onset}" is not a date`;
  return { undecided: recorded === undefined ? `${onsetText} and no recordedDate` : `${onsetText}; recorded ${condition.recordedDate?.slice(0, 10) ?? ''}, after ${isoOfDay(cutoff)}, which does not say when it began` };
}

type Undecided = { truth: 'unknown' | 'review'; why: string };
type Placement = 'inside' | 'outside' | Undecided;

/**
 * Whether a Condition began within the window, by its onset. A Condition is written down after it
 * began, so with no onset its recordedDate only bounds the onset from above: recorded before the
 * window, it began before the window (not new in it); recorded within it or later, it may have
 * begun before, so a person confirms when. A partial onset decides only when all its days agree.
 */
function onsetWithin(condition: ConditionFact, window: Window): Placement {
  const first = dayOf(condition.onset);
  const last = lastDayOf(condition.onset);
  if (first !== undefined && last !== undefined) {
    if (last < window.from || first > window.to) return 'outside';
    if (first >= window.from && last <= window.to) return 'inside';
    return { truth: 'unknown', why: `onset ${condition.onset ?? ''} is known only to the ${/^\d{4}$/.test(condition.onset ?? '') ? 'year' : 'month'}, which may or may not lie ${window.text}` };
  }
  const noOnset = condition.onset === undefined ? 'no onset recorded' : `onset "${condition.onset}" is not a date`;
  const recorded = lastDayOf(condition.recordedDate);
  if (recorded === undefined) return { truth: 'unknown', why: `${noOnset} and no recordedDate` };
  if (recorded < window.from) return 'outside';
  return { truth: 'review', why: `${noOnset}; recorded on ${condition.recordedDate?.slice(0, 10) ?? ''}, which only says it began by then: confirm it began ${window.text}` };
}

/** Whether a Condition present in the window had begun by its end; with no onset, a recordedDate by then shows it had. */
function startedBy(condition: ConditionFact, window: Window, end: number): Placement {
  const first = dayOf(condition.onset);
  const last = lastDayOf(condition.onset);
  if (first !== undefined && last !== undefined) {
    if (last <= end) return 'inside';
    if (first > end) return 'outside';
    return { truth: 'unknown', why: `onset ${condition.onset ?? ''} is known only to the ${/^\d{4}$/.test(condition.onset ?? '') ? 'year' : 'month'}, which may begin after the window` };
  }
  const recorded = lastDayOf(condition.recordedDate);
  // No date at all: read as present, as before; it lasted into the window by its status.
  if (recorded === undefined || recorded <= end) return 'inside';
  const noOnset = condition.onset === undefined ? 'no onset recorded' : `onset "${condition.onset}" is not a date`;
  return { truth: 'review', why: `${noOnset}; recorded on ${condition.recordedDate?.slice(0, 10) ?? ''}, after the window, which does not say when it began: confirm it was present ${window.text}` };
}
