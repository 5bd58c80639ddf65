import type { AnchorDeclaration, AnchorEventRule, AnchorFromRecord, Rule } from '../mapping/schema';
import type { EvidenceItem } from '../report/types';
import type { EvalContext } from './context';
import { dayOf, isoOfDay, lastDayOf } from './dates';
import { gapsConcerning } from './gaps';
import { result, type RuleResult, type Truth } from './result';
import { judgeResult } from './rules/lab';
import { conceptLabel, matchAny, textOnly, valueSetNames } from './rules/match';
import { exposuresOf, routeOf } from './rules/medication';
import { windowOf } from './window';

/**
 * Anchors read from the record (trial `anchors` with `fromRecord`): "the last dose of adjuvant
 * platinum chemotherapy", "the last myocardial infarction". The event rule picks the events; the
 * first or last of them, by its start or end, is the anchor, and every rule that names the anchor
 * counts its window from that day. What cannot be dated is never guessed: an event with no date
 * (or no end yet) that could be the first or the last, or a record with unread data the rule would
 * read, leaves the anchor and every rule counting from it `unknown`, with the reason. A date known
 * only to the month or year is tried on each of its days: the rule holds only if every day agrees.
 */

/** An event the rule picked, with the days it may lie on. */
interface Candidate {
  reference: string;
  label: string;
  /** The date as the record writes it. */
  written?: string;
  /**
   * The first and last day it may lie on: one day for a full date, a month or a year for a partial
   * one; only bounds when `undated` says why the date itself is not known.
   */
  first: number;
  last: number;
  undated?: string;
  /** What a person confirms before an answer counting from this event stands. */
  confirm?: string;
}

export type AnchorResolution =
  | { ok: true; first: number; last: number; written: string; evidence: EvidenceItem[]; confirm: string[] }
  | { ok: false; truth: Extract<Truth, 'unknown' | 'false'>; reason: string; evidence: EvidenceItem[]; missing: string[] };

const STATUS: Record<Truth, string> = { true: 'met', false: 'not met', unknown: 'unknown', review: 'review' };

/** A rule counting from a record anchor, evaluated on the anchor's day (each day of a partial date). */
export function evaluateAnchored(rule: Rule, ctx: EvalContext, run: () => RuleResult): RuleResult {
  const id = 'anchor' in rule ? rule.anchor : undefined;
  const declaration = id === undefined ? undefined : ctx.recordAnchor(id);
  if (id === undefined || !declaration) return run();
  const anchor = resolveAnchor(id, ctx);
  if (!anchor.ok) return result(anchor.truth, anchor.reason, { evidence: anchor.evidence, ...(anchor.truth === 'unknown' ? { missing: anchor.missing } : {}) });
  let answer = ctx.withAnchorDay(id, anchor.first, run);
  if (anchor.last > anchor.first) {
    const dated = `${declaration.display} is dated only ${anchor.written}`;
    for (let day = anchor.first + 1; day <= anchor.last; day++) {
      const other = ctx.withAnchorDay(id, day, run);
      if (other.truth === answer.truth) continue;
      return result(
        'unknown',
        `${dated}: counted from ${isoOfDay(anchor.first)} the criterion would be ${STATUS[answer.truth]} (${answer.explanation}), from ${isoOfDay(day)} ${STATUS[other.truth]}; its exact day is needed`,
        { evidence: [...answer.evidence, ...anchor.evidence], missing: [`the exact date of ${declaration.display}`] },
      );
    }
    answer = { ...answer, explanation: `${answer.explanation} (${dated}; every day of it gives this answer)` };
  }
  answer = { ...answer, evidence: [...answer.evidence, ...anchor.evidence] };
  if (anchor.confirm.length > 0 && (answer.truth === 'true' || answer.truth === 'false')) {
    // The answer counts from an event a person has yet to confirm: whichever way it went, it may be wrong.
    const { resolvesOn: _resolvesOn, ...rest } = answer;
    return { ...rest, truth: 'review', missing: [], confirm: [...answer.confirm, ...anchor.confirm], explanation: `${answer.explanation} (to confirm: ${anchor.confirm.join('; ')})` };
  }
  return answer;
}

/** The record anchor's day (or days), found once per patient. */
export function resolveAnchor(id: string, ctx: EvalContext, resolving: ReadonlySet<string> = new Set()): AnchorResolution {
  const cached = ctx.anchorResolutions.get(id);
  if (cached) return cached;
  const declaration = ctx.recordAnchor(id);
  // The mappings refuse undeclared anchors and cycles between them when they load.
  if (!declaration?.fromRecord || resolving.has(id)) throw new Error(`record anchor not compiled or in a cycle: ${id}`);
  const from = declaration.fromRecord;
  const rule = from.rule;
  // A window (`within`, or after the anchor with none) counts from the rule's anchor.
  const on = 'anchor' in rule && 'direction' in rule && (rule.within !== undefined || rule.direction === 'after') ? rule.anchor : undefined;
  let resolved: AnchorResolution;
  if (on !== undefined && ctx.recordAnchor(on)) {
    // The event rule's window counts from another record anchor: that one first, on each of its days.
    const base = resolveAnchor(on, ctx, new Set([...resolving, id]));
    const baseName = ctx.recordAnchor(on)?.display ?? on;
    if (!base.ok) {
      const truth = base.truth === 'false' && from.absentIs === 'false' ? 'false' : 'unknown';
      resolved = { ok: false, truth, reason: `${declaration.display} is found from ${baseName}: ${base.reason}`, evidence: base.evidence, missing: base.missing };
    } else {
      const tries: AnchorResolution[] = [];
      for (let day = base.first; day <= base.last; day++) tries.push(ctx.withAnchorDay(on, day, () => find(declaration, from, ctx)));
      const first = tries[0] as AnchorResolution;
      const same = tries.every((t) => JSON.stringify(t) === JSON.stringify(first));
      resolved = same
        ? { ...first, evidence: [...first.evidence, ...base.evidence] }
        : {
            ok: false,
            truth: 'unknown',
            reason: `which event is ${declaration.display} depends on the day of ${baseName}, dated only ${base.written}`,
            evidence: base.evidence,
            missing: [`the exact date of ${baseName}`],
          };
    }
  } else {
    resolved = find(declaration, from, ctx);
  }
  ctx.anchorResolutions.set(id, resolved);
  return resolved;
}

function find(declaration: AnchorDeclaration, from: AnchorFromRecord, ctx: EvalContext): AnchorResolution {
  const { display } = declaration;
  const gaps = gapsConcerning(from.rule, ctx);
  if (gaps.length > 0) {
    // Data that could not be read may hold the first or the last such event.
    const reasons = [...new Set(gaps.map((g) => g.reason))];
    return { ok: false, truth: 'unknown', reason: `${display} cannot be found for certain: ${reasons.slice(0, 3).join('; ')}`, evidence: [], missing: reasons };
  }
  const { candidates, later } = inWindow(from.rule, ctx, candidatesOf(from, ctx));
  const known = candidates.filter((c) => c.undated === undefined);
  const open = candidates.filter((c) => c.undated !== undefined);
  const last = from.take === 'last';
  const edge = known.length === 0 ? undefined : last ? { first: Math.max(...known.map((k) => k.first)), last: Math.max(...known.map((k) => k.last)) } : { first: Math.min(...known.map((k) => k.first)), last: Math.min(...known.map((k) => k.last)) };
  // An event not dated (or not ended, or not sure to count) moves the anchor only if it could lie
  // beyond the days the dated ones leave open; within them, each day is tried anyway.
  const blocking = edge === undefined ? open : open.filter((u) => (last ? u.last > edge.last : u.first < edge.first));
  if (blocking.length > 0) {
    const why = blocking.slice(0, 3).map((b) => `${b.reference} (${b.label}): ${b.undated ?? ''}`);
    return {
      ok: false,
      truth: 'unknown',
      reason: `${display} cannot be dated: ${why.join('; ')}${blocking.length > 3 ? ` and ${blocking.length - 3} more` : ''}`,
      evidence: blocking.map((b) => evidenceOf(b, display)),
      missing: [`the ${from.date === 'end' ? 'end' : 'date'} of ${display}`],
    };
  }
  if (edge === undefined) {
    const laterText = later.length > 0 ? `; ${later.slice(0, 3).join(', ')} ${later.length === 1 ? 'is' : 'are'} dated after the as-of date and not counted` : '';
    const reason = `${display}: no such event in the record (${picked(from.rule, ctx)})${laterText}`;
    return { ok: false, truth: from.absentIs === 'false' ? 'false' : 'unknown', reason, evidence: [], missing: [display] };
  }
  const possible = candidates.filter((k) => (last ? k.last >= edge.first : k.first <= edge.last));
  return {
    ok: true,
    first: edge.first,
    last: edge.last,
    written: [...new Set(possible.flatMap((p) => (p.written !== undefined && p.undated === undefined ? [p.written] : [])))].join(' or '),
    evidence: possible.map((p) => evidenceOf(p, display)),
    confirm: [...new Set(possible.flatMap((p) => (p.confirm ? [p.confirm] : [])))],
  };
}

function evidenceOf(c: Candidate, display: string): EvidenceItem {
  return { reference: c.reference, value: c.label, ...(c.written ? { date: c.written.slice(0, 10) } : {}), note: `anchor: ${display}${c.undated ? `; ${c.undated}` : ''}` };
}

/** Keeps the candidates in the event rule's own window (if it has one); one that may fall either side is undecided. */
function inWindow(rule: AnchorEventRule, ctx: EvalContext, found: { candidates: Candidate[]; later: string[] }): { candidates: Candidate[]; later: string[] } {
  const window = rule.kind === 'lab' || rule.kind === 'answer' ? undefined : windowOf(ctx, rule);
  if (!window) return found;
  const kept: Candidate[] = [];
  for (const c of found.candidates) {
    if (c.last < window.from || c.first > window.to) continue;
    if (c.undated !== undefined || (c.first >= window.from && c.last <= window.to)) {
      kept.push({ ...c, first: Math.max(c.first, window.from), last: Math.min(c.last, window.to) });
      continue;
    }
    kept.push({ ...c, first: Math.max(c.first, window.from), last: Math.min(c.last, window.to), undated: `dated ${c.written ?? ''}, which may or may not lie ${window.text}` });
  }
  return { candidates: kept, later: found.later };
}

/** A date as the record writes it, or why there is none (with what bounds it still has). */
function dated(base: Omit<Candidate, 'first' | 'last'>, written: string | undefined, missing: string, bounds: { first?: number; last?: number } = {}): Candidate {
  const first = dayOf(written);
  const last = lastDayOf(written);
  if (written !== undefined && first !== undefined && last !== undefined) return { ...base, written, first, last };
  return { ...base, first: bounds.first ?? Number.NEGATIVE_INFINITY, last: bounds.last ?? Number.POSITIVE_INFINITY, undated: written === undefined ? missing : `"${written}" is not a date` };
}

/**
 * An end on or before the as-of date is an event; one after it has not happened yet as of screening
 * (the event began by then, it has not ended). A partial date that takes in the as-of date is held
 * to it: the chart as of screening records it, so it happened by then.
 */
function asOfScreening(c: Candidate, asOfDay: number): Candidate {
  if (c.undated !== undefined || c.last <= asOfDay) return c;
  if (c.first <= asOfDay) return { ...c, last: asOfDay };
  return { ...c, first: asOfDay, undated: `it ends ${c.written ?? ''}, after the as-of date` };
}

const byName = (label: string): string => `${label} is recognised only by name, not by a listed code: confirm it is one`;

function candidatesOf(from: AnchorFromRecord, ctx: EvalContext): { candidates: Candidate[]; later: string[] } {
  const rule = from.rule;
  const end = from.date === 'end';
  const candidates: Candidate[] = [];
  const later: string[] = [];
  const asOf = ctx.asOfDay;
  const add = (c: Candidate): void => {
    candidates.push(asOfScreening(c, asOf));
  };
  switch (rule.kind) {
    case 'condition':
      for (const c of ctx.record.conditions) {
        const m = matchAny(ctx, rule.valueSets, c.code);
        if (!m || (rule.status === 'active' && !c.active)) continue;
        const onset = dayOf(c.onset);
        if (onset !== undefined && onset > asOf) {
          later.push(`${c.reference} (${c.onset?.slice(0, 10) ?? ''})`);
          continue;
        }
        const label = conceptLabel(c.code, m.matched);
        const base = { reference: c.reference, label, ...(textOnly(m) ? { confirm: byName(label) } : {}) };
        // With no onset, the recordedDate is the latest it can have begun (written down after it began), never its date.
        if (!end) add(dated(base, c.onset, c.recordedDate === undefined ? 'no onset date' : `no onset date (recorded ${c.recordedDate.slice(0, 10)}, so it began by then)`, { last: lastDayOf(c.recordedDate) }));
        else if (c.abatement !== undefined) add(dated(base, c.abatement, '', { first: onset ?? Number.NEGATIVE_INFINITY }));
        // Still active, it has not ended as of screening; inactive with no date, it ended some time.
        else add({ ...base, first: c.active ? asOf : (onset ?? Number.NEGATIVE_INFINITY), last: Number.POSITIVE_INFINITY, undated: c.active ? 'it has not resolved (no abatement)' : 'no abatement date recorded' });
      }
      break;
    case 'medication':
      // exposuresOf leaves out exposures that start after the as-of date; they are named as such.
      for (const { exposure, ingredients } of ctx.exposures()) {
        const start = dayOf(exposure.start);
        if (start !== undefined && start > asOf && ingredients.some((i) => rule.classes.some((c) => c === i.key || ctx.terminology.inClass(c, i)))) later.push(`${exposure.reference} (${exposure.start?.slice(0, 10) ?? ''})`);
      }
      for (const m of exposuresOf(ctx, rule.classes, rule.systemicOnly)) {
        let confirm = m.byText ? byName(m.label) : undefined;
        if (rule.routes) {
          const route = routeOf(m.exposure);
          if (route !== undefined && !rule.routes.includes(route)) continue;
          if (route === undefined) confirm = `${m.label} has no route recorded: confirm it was given ${rule.routes.join(' or ')}`;
        }
        const e = m.exposure;
        const base = { reference: e.reference, label: m.label, ...(confirm ? { confirm } : {}) };
        if (!end) {
          add(dated(base, e.start, 'no start date'));
        } else if (m.ongoing) {
          add({ ...base, first: asOf, last: Number.POSITIVE_INFINITY, undated: 'still ongoing: it has no end yet' });
        } else {
          const estimated = e.intervalBasis === 'assumed30Days' || e.intervalBasis === 'expectedSupplyDuration' || e.intervalBasis === 'validityPeriod';
          const c = dated(base, e.end, 'no end date recorded', { first: m.startDay ?? Number.NEGATIVE_INFINITY });
          // An order's end is when its supply or validity runs out, not a dose anyone recorded.
          add(estimated && c.undated === undefined ? { ...c, confirm: `the end of ${e.reference} (${c.written ?? ''}) is estimated from the order, not a recorded last dose: confirm the date` } : c);
        }
      }
      break;
    case 'procedure':
      for (const p of ctx.record.procedures) {
        const m = matchAny(ctx, rule.valueSets, p.code);
        if (!m) continue;
        const day = dayOf(p.date);
        if (day !== undefined && day > asOf) {
          later.push(`${p.reference} (${p.date?.slice(0, 10) ?? ''})`);
          continue;
        }
        const label = conceptLabel(p.code, m.matched);
        // A procedure performed at one moment ends when it starts.
        add(dated({ reference: p.reference, label, ...(textOnly(m) ? { confirm: byName(label) } : {}) }, end ? (p.end ?? p.date) : p.date, 'no performed date'));
      }
      break;
    case 'immunization':
      for (const i of ctx.record.immunizations) {
        const m = matchAny(ctx, rule.valueSets, i.vaccine);
        if (!m) continue;
        const day = dayOf(i.date);
        if (day !== undefined && day > asOf) {
          later.push(`${i.reference} (${i.date?.slice(0, 10) ?? ''})`);
          continue;
        }
        const label = conceptLabel(i.vaccine, m.matched);
        add(dated({ reference: i.reference, label, ...(textOnly(m) ? { confirm: byName(label) } : {}) }, i.date, 'no occurrence date'));
      }
      break;
    case 'lab':
      // Results after the as-of date are not in ctx.results.
      for (const r of ctx.results(rule.analyte)) {
        const judged = judgeResult(rule, ctx, r);
        if (judged.truth === 'false') continue;
        const label = `${ctx.analyte(rule.analyte).def.display}: ${judged.explanation}`;
        const base = { reference: r.fact.reference, label, ...(r.byText ? { confirm: byName(ctx.analyte(rule.analyte).def.display) } : {}) };
        const c = dated(base, r.fact.date, 'no effective date');
        // A result that cannot be read may be one that qualifies: undecided, on its own date.
        add(judged.truth === 'unknown' && c.undated === undefined ? { ...c, undated: 'it cannot be read, so whether it qualifies is not known' } : c);
      }
      break;
    case 'answer': {
      // Every result answered in the sets is an event, not only the latest: "the first stage IIIB or IV".
      const analyte = ctx.analyte(rule.observation);
      for (const r of ctx.results(rule.observation)) {
        const value = r.fact.value;
        const concept = value?.kind === 'coded' || value?.kind === 'qualitative' ? value.concept : undefined;
        const words = value?.kind === 'string' || value?.kind === 'qualitative' ? value.text : undefined;
        const m = concept ? matchAny(ctx, rule.in, concept) : undefined;
        if (!m && !(concept === undefined && words !== undefined)) continue;
        const label = m && concept ? `${analyte.def.display}: ${conceptLabel(concept, m.matched)}` : `${analyte.def.display}: "${(words ?? '').slice(0, 80)}"`;
        // An answer in words only may be one of the listed answers: a person reads it before anything counts from it.
        const confirm = !m ? `${label} is answered in words only: confirm it is ${valueSetNames(ctx, rule.in)}` : textOnly(m) || r.byText ? byName(label) : undefined;
        add(dated({ reference: r.fact.reference, label, ...(confirm ? { confirm } : {}) }, r.fact.date, 'no effective date'));
      }
      break;
    }
  }
  return { candidates, later };
}

/** What the event rule picks, in words, for "no such event". */
function picked(rule: AnchorEventRule, ctx: EvalContext): string {
  const classes = (keys: string[]): string => keys.map((k) => ctx.terminology.classDisplay.get(k) ?? ctx.terminology.ingredients.get(k)?.def.display ?? k).join(' or ');
  switch (rule.kind) {
    case 'condition':
      return `a${rule.status === 'active' ? 'n active' : ''} Condition in ${valueSetNames(ctx, rule.valueSets)}`;
    case 'medication':
      return `${classes(rule.classes)}${rule.routes ? ` given ${rule.routes.join(' or ')}` : ''}`;
    case 'procedure':
      return `a Procedure in ${valueSetNames(ctx, rule.valueSets)}`;
    case 'immunization':
      return `an Immunization in ${valueSetNames(ctx, rule.valueSets)}`;
    case 'lab':
      return `a qualifying ${ctx.analyte(rule.analyte).def.display} result`;
    case 'answer':
      return `${ctx.analyte(rule.observation).def.display} answered ${valueSetNames(ctx, rule.in)}`;
  }
}
