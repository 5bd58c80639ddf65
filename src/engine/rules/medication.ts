import type { MedicationRule, WashoutRule } from '../../mapping/schema';
import type { Concept, MedicationExposure } from '../../record/types';
import type { EvidenceItem } from '../../report/types';
import { listKey, type EvalContext } from '../context';
import { addDuration, dayCount, dayOf, durationDays, formatDuration, isoOfDay, lastDayOf, subtractDuration } from '../dates';
import { round } from '../lab-reading';
import { AFTER_DISCONTINUATION, allOf, needsConfirmation, result, type RuleResult } from '../result';
import { windowOf } from '../window';
import { immunizationsIn } from './immunization';
import { conditionPeriods, daysOutside, type ConditionPeriods, type DaySpans } from './condition-periods';
import { confirmTextOnly, valueSetNames, type MatchKind } from './match';

export interface MatchedExposure {
  exposure: MedicationExposure;
  startDay: number | undefined;
  /** undefined when ongoing */
  endDay: number | undefined;
  ongoing: boolean;
  label: string;
  byText: boolean;
  ingredientKeys: string[];
  /** Prednisone-equivalent mg/day where the exposure is a corticosteroid and the dose is readable. */
  prednisoneMgPerDay?: number;
  evidence: EvidenceItem;
}

const NON_SYSTEMIC = /\b(topical|cutaneous|transdermal|inhal\w*|nasal|ophthalmic|otic|eye|ear|cream|ointment|lotion|gel|foam|shampoo|enema|rectal|vaginal|intra-?articular|dental|mouthwash|spray)\b/i;

function isSystemic(exposure: MedicationExposure): boolean {
  const texts = [exposure.route?.text, ...(exposure.route?.codings ?? []).map((c) => c.display), exposure.concept.text, ...exposure.concept.codings.map((c) => c.display)];
  return !texts.some((t) => t !== undefined && NON_SYSTEMIC.test(t));
}

export type RouteName = 'intravenous' | 'oral' | 'subcutaneous' | 'intramuscular';

/** SNOMED CT route codes (FHIR route-codes value set) and the words sites write. */
const ROUTES: { name: RouteName; codes: string[]; words: RegExp }[] = [
  { name: 'intravenous', codes: ['47625008'], words: /\b(intravenous|i\.?v\.?|infusion)\b/i },
  { name: 'oral', codes: ['26643006'], words: /\b(oral|by mouth|p\.?o\.?|tablet|capsule)\b/i },
  { name: 'subcutaneous', codes: ['34206005'], words: /\b(subcutaneous|s\.?c\.?|subcut)\b/i },
  { name: 'intramuscular', codes: ['78421000'], words: /\b(intramuscular|i\.?m\.?)\b/i },
];

/** The route an exposure was given by, from its route element only (never guessed from the product name). */
export function routeOf(exposure: MedicationExposure): RouteName | undefined {
  const route = exposure.route;
  if (!route) return undefined;
  for (const r of ROUTES) {
    if (route.codings.some((c) => c.code !== undefined && r.codes.includes(c.code))) return r.name;
  }
  const texts = [route.text, ...route.codings.map((c) => c.display)].filter((t): t is string => !!t);
  return ROUTES.find((r) => texts.some((t) => r.words.test(t)))?.name;
}

function labelOf(concept: Concept): string {
  return concept.text ?? concept.codings.find((c) => c.display)?.display ?? concept.codings[0]?.code ?? 'medication';
}

const MASS_TO_MG: Record<string, number> = { mg: 1, g: 1000, ug: 0.001, 'µg': 0.001, mcg: 0.001 };

/** The daily dose in mg of the first of the ingredients it can be read for (dose × strength × times a day). */
export function dailyDoseMg(ctx: EvalContext, e: MedicationExposure, ingredientKeys: string[]): number | undefined {
  for (const key of ingredientKeys) {
    const mg = doseMg(ctx, e, key);
    if (mg !== undefined) return mg;
  }
  return undefined;
}

function doseMg(ctx: EvalContext, e: MedicationExposure, key: string): number | undefined {
  if (!e.dose) return undefined;
  const unit = (e.dose.unit ?? '').trim().toLowerCase();
  let mg: number | undefined;
  if (MASS_TO_MG[unit] !== undefined) mg = e.dose.value * (MASS_TO_MG[unit] as number);
  else {
    const strength = ctx.terminology.strengthOf([e.concept, ...e.ingredientConcepts], key);
    if (strength !== undefined) mg = e.dose.value * strength;
  }
  if (mg === undefined || e.timesPerDay === undefined) return undefined;
  return mg * e.timesPerDay;
}

function prednisoneEquivalent(ctx: EvalContext, e: MedicationExposure, ingredientKeys: string[]): number | undefined {
  for (const key of ingredientKeys) {
    const factor = ctx.terminology.ingredients.get(key)?.def.prednisoneFactor;
    if (factor === undefined || !e.dose) continue;
    // A count of tablets or other units: the product's strength turns it into mg (doseMg).
    const mg = doseMg(ctx, e, key);
    return mg === undefined ? undefined : mg * factor;
  }
  return undefined;
}

/** Exposures in any of the classes, dated on or before the as-of date (built once per record and classes, for every trial). */
export function exposuresOf(ctx: EvalContext, classes: string[], systemicOnly: boolean): MatchedExposure[] {
  return ctx.shared(systemicOnly ? 'systemic exposures' : 'exposures', listKey(classes), () => matchExposures(ctx, classes, systemicOnly));
}

function matchExposures(ctx: EvalContext, classes: string[], systemicOnly: boolean): MatchedExposure[] {
  const out: MatchedExposure[] = [];
  for (const { exposure, ingredients } of ctx.exposures()) {
    const inClass = ingredients.filter((i) => classes.some((c) => ctx.terminology.inClass(c, i) || c === i.key));
    if (inClass.length === 0) continue;
    if (systemicOnly && !isSystemic(exposure)) continue;
    const startDay = dayOf(exposure.start);
    if (startDay !== undefined && startDay > ctx.asOfDay) continue;
    const endDay = exposure.ongoing ? undefined : (lastDayOf(exposure.end) ?? startDay);
    const byText = inClass.every((i) => i.byText);
    const keys = inClass.map((i) => i.key).filter((k) => k !== '');
    const pred = prednisoneEquivalent(ctx, exposure, keys);
    const label = labelOf(exposure.concept);
    const evidence: EvidenceItem = { reference: exposure.reference, value: label };
    if (exposure.start) evidence.date = exposure.start.slice(0, 10);
    const notes: string[] = [];
    notes.push(exposure.ongoing ? 'ongoing' : `until ${endDay === undefined ? 'unknown' : isoOfDay(endDay)}`);
    if (pred !== undefined) notes.push(`${round(pred)} mg/day prednisone equivalent`);
    if (byText) notes.push('matched by display text, not by code');
    evidence.note = notes.join('; ');
    out.push({ exposure, startDay, endDay, ongoing: exposure.ongoing, label, byText, ingredientKeys: keys, evidence, ...(pred === undefined ? {} : { prednisoneMgPerDay: pred }) });
  }
  return out;
}

/** How recent an administration leaves "ongoing" to a person (a dose every one or two weeks is still a course). */
const RECENT_ADMINISTRATION_DAYS = 14;

function overlaps(e: MatchedExposure, from: number, to: number, asOfDay: number): boolean {
  if (e.startDay === undefined) return false;
  const end = e.ongoing ? Math.max(to, asOfDay) : (e.endDay ?? e.startDay);
  return e.startDay <= to && end >= from;
}

/** value op bound, for the comparison operators rules write. */
export function compareOp(op: '<' | '<=' | '>' | '>=', value: number, bound: number): boolean {
  switch (op) {
    case '<':
      return value < bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    case '>=':
      return value >= bound;
  }
}

function doseFilter(e: MatchedExposure, bound: { op: '<' | '<=' | '>' | '>='; value: number }): boolean | undefined {
  const v = e.prednisoneMgPerDay;
  return v === undefined ? undefined : compareOp(bound.op, v, bound.value);
}

function classNames(ctx: EvalContext, classes: string[]): string {
  return classes.map((c) => ctx.terminology.classDisplay.get(c) ?? ctx.terminology.ingredients.get(c)?.def.display ?? c).join(' or ');
}

/** Total days covered by the union of intervals, clipped to the anchor. */
function coveredDays(exposures: MatchedExposure[], untilDay: number): number {
  return unionDays(exposureSpans(exposures, untilDay));
}

function exposureSpans(exposures: MatchedExposure[], untilDay: number): DaySpans {
  return exposures.filter((e) => e.startDay !== undefined).map((e) => [e.startDay as number, Math.min(e.ongoing ? untilDay : (e.endDay ?? (e.startDay as number)), untilDay)]);
}

/** A medication recognised only by its name is a finding a person confirms (CONVENTIONS.md "Codes the mapping does not list"). */
function matchKinds(matches: MatchedExposure[]): MatchKind[] {
  return matches.map((m) => ({ byText: m.byText, matched: m.label }));
}

export function evaluateMedication(rule: MedicationRule, ctx: EvalContext): RuleResult {
  const anchor = ctx.anchorDay(rule.anchor);
  const what = classNames(ctx, rule.classes);
  const window = windowOf(ctx, rule);
  // The last day that counts: the anchor, or the end of a window after it.
  const until = window?.to ?? anchor;
  let matches = exposuresOf(ctx, rule.classes, rule.systemicOnly);
  const undated = matches.filter((m) => m.startDay === undefined);
  matches = matches.filter((m) => m.startDay !== undefined && (m.startDay as number) <= until);
  let windowText = '';
  /** Exposures that may count, or not (maxDuration only): no route, no readable dose. */
  const maybe: { m: MatchedExposure; why: string }[] = [];
  if (window) {
    // An exposure whose end is not recorded may last into the window: "at most so long" counts it.
    const reach = (m: MatchedExposure): MatchedExposure => (rule.maxDuration && !m.ongoing && m.exposure.end === undefined ? { ...m, endDay: until } : m);
    matches = matches.filter((m) => overlaps(reach(m), window.from, window.to, ctx.asOfDay));
    windowText = ` ${window.text}`;
  }
  if (rule.ongoing) {
    const current = (m: MatchedExposure): boolean => m.ongoing || (m.endDay !== undefined && m.endDay >= anchor);
    // A duration of an ongoing drug is of the course still running: the exposures ongoing at the
    // anchor and the ones before them that run on without a day's break (a change of dose is a
    // new record of the same course), never an earlier course that stopped.
    const before = matches;
    matches = rule.minDuration || rule.maxDuration || rule.stableFor ? currentCourse(matches, current, until) : matches.filter(current);
    windowText += ' (ongoing)';
    // An administration is one dose, not an order that runs on: one given lately says the drug
    // may still be given, which no record here says either way. A person confirms.
    const lately = matches.length === 0 ? before.filter((m) => m.exposure.source === 'MedicationAdministration' && m.endDay !== undefined && m.endDay < anchor && m.endDay >= anchor - RECENT_ADMINISTRATION_DAYS) : [];
    // "Completed" with an end still to come says two things: the course is over, and it runs on.
    const contradictory = (m: MatchedExposure): boolean => m.exposure.source === 'MedicationStatement' && m.exposure.status === 'completed' && !m.ongoing && m.endDay !== undefined && m.endDay > ctx.asOfDay;
    if (matches.length > 0 && matches.every(contradictory)) {
      const first = matches[0] as MatchedExposure;
      const reason = `${first.label} is recorded as completed but ends ${isoOfDay(first.endDay as number)}, after the screening date: confirm whether it is still being taken`;
      return result('review', `${what}${windowText}: ${describe(first)} completed, with an end after screening`, { evidence: matches.map((m) => m.evidence), confirm: [reason] });
    }
    if (lately.length > 0) {
      const last = lately.reduce((a, b) => ((b.endDay as number) > (a.endDay as number) ? b : a));
      const reason = `${what} was given on ${isoOfDay(last.endDay as number)} (an administration, within ${dayCount(RECENT_ADMINISTRATION_DAYS)} of ${ctx.anchorName(rule.anchor)}): confirm whether it is still being given`;
      return result('review', `${what}${windowText}: none ongoing, but ${describe(last)} given lately`, { evidence: lately.map((m) => m.evidence), confirm: [reason] });
    }
  }
  if (rule.routes && rule.routes.length > 0) {
    const routes = rule.routes;
    const byRoute = matches.filter((m) => {
      const route = routeOf(m.exposure);
      return route !== undefined && routes.includes(route);
    });
    const unrouted = matches.filter((m) => routeOf(m.exposure) === undefined);
    windowText += ` (${routes.join(' or ')})`;
    // Given, but by which route is not recorded: it may be the one the criterion means.
    if (byRoute.length === 0 && unrouted.length > 0 && !rule.maxDuration) {
      const reason = `${what} recorded without a route: confirm it was given ${routes.join(' or ')}`;
      return result('review', `${what}${windowText}: ${unrouted.slice(0, 3).map((m) => describe(m)).join(', ')} (route not recorded)`, { evidence: unrouted.map((m) => m.evidence), confirm: [reason] });
    }
    matches = byRoute;
    // At most so long: one given by an unrecorded route may be one more that counts.
    if (rule.maxDuration) maybe.push(...unrouted.map((m) => ({ m, why: 'route not recorded' })));
  }
  let undecidedDose: MatchedExposure[] = [];
  if (rule.doseMgPerDay) {
    const bound = rule.doseMgPerDay;
    const dosed = (m: MatchedExposure): number | undefined => dailyDoseMg(ctx, m.exposure, m.ingredientKeys);
    undecidedDose = matches.filter((m) => dosed(m) === undefined);
    matches = matches.filter((m) => {
      const mg = dosed(m);
      return mg !== undefined && compareOp(bound.op, mg, bound.value);
    });
    windowText += ` at ${bound.op} ${bound.value} mg/day`;
  }
  if (rule.stableFor) {
    const span = ctx.duration(rule.stableFor);
    const from = subtractDuration(anchor, span);
    const inSpan = matches.filter((m) => overlaps(m, from, anchor, ctx.asOfDay));
    const doses = new Set(inSpan.map((m) => dailyDoseMg(ctx, m.exposure, m.ingredientKeys)));
    const covered = coveredDays(inSpan.map((m) => ({ ...m, startDay: Math.max(m.startDay as number, from) })), anchor);
    const text = `${what}${windowText}, stable for ${formatDuration(span)}`;
    const unread = undecidedDose.filter((m) => overlaps(m, from, anchor, ctx.asOfDay));
    if (doses.has(undefined) || (unread.length > 0 && inSpan.length === 0)) return result('unknown', `${text}: the dose is not readable for every exposure in that time`, { evidence: [...inSpan, ...unread].map((m) => m.evidence), missing: [`${what} daily dose`] });
    if (covered < durationDays(span) || doses.size !== 1) {
      return result('false', `${text}: ${doses.size > 1 ? `the dose changed (${[...doses].map((d) => `${round(d as number)} mg/day`).join(', ')})` : `taken ${covered} of ${dayCount(durationDays(span))}`}`, { evidence: inSpan.map((m) => m.evidence) });
    }
    const stable = confirmTextOnly(result('true', `${text}: ${round([...doses][0] as number)} mg/day throughout`, { evidence: inSpan.map((m) => m.evidence) }), matchKinds(inSpan), what);
    // "For 3 months, at a stable dose for the last 4 weeks": both must hold.
    return rule.minDuration ? allOf([minDurationOf(rule.minDuration, ctx, what, windowText, until, matches, undecidedDose, undated), stable]) : stable;
  }
  if (rule.prednisoneMgPerDay) {
    const bound = rule.prednisoneMgPerDay;
    undecidedDose = matches.filter((m) => doseFilter(m, bound) === undefined);
    matches = matches.filter((m) => doseFilter(m, bound) === true);
    windowText += ` at ${bound.op} ${bound.value} mg/day prednisone equivalent`;
  }
  // The schema allows notDuring only with a duration to count.
  const excluded = rule.notDuring ? conditionPeriods(ctx, rule.notDuring, until) : undefined;
  if (rule.notDuring) windowText += ` outside ${valueSetNames(ctx, rule.notDuring)}`;
  if (rule.maxDuration) {
    const atMost = maxDurationOf(rule.maxDuration, ctx, what, windowText, window?.from, until, matches, [...maybe, ...undecidedDose.map((m) => ({ m, why: 'dose not readable' })), ...undated.map((m) => ({ m, why: 'no start date' }))], excluded);
    return rule.minDuration ? allOf([minDurationOf(rule.minDuration, ctx, what, windowText, until, matches, undecidedDose, undated, excluded), atMost]) : atMost;
  }
  if (rule.minDuration) return minDurationOf(rule.minDuration, ctx, what, windowText, until, matches, undecidedDose, undated, excluded);
  if (matches.length > 0) {
    const found = result('true', `${what}${windowText}: ${matches.slice(0, 3).map((m) => describe(m)).join(', ')}`, { evidence: matches.map((m) => m.evidence) });
    return confirmTextOnly(found, matchKinds(matches), what);
  }
  if (undecidedDose.length > 0) {
    return result('unknown', `${what}${windowText}: dose not readable for ${undecidedDose.map((m) => describe(m)).join(', ')}`, {
      evidence: undecidedDose.map((m) => m.evidence),
      missing: [`${what} daily dose`],
    });
  }
  return result('false', `no ${what} recorded${windowText}`);
}

/**
 * The exposures of the courses still running: each joined to the next when it starts no later than
 * the day after the other ends (overlaps and a new record the next day are one course), and of
 * those runs the ones holding an exposure `current` says is ongoing at the anchor.
 */
function currentCourse(matches: MatchedExposure[], current: (m: MatchedExposure) => boolean, untilDay: number): MatchedExposure[] {
  const dated = matches.filter((m) => m.startDay !== undefined).sort((a, b) => (a.startDay as number) - (b.startDay as number));
  const kept: MatchedExposure[] = [];
  let run: MatchedExposure[] = [];
  let runEnd = Number.NEGATIVE_INFINITY;
  const close = (): void => {
    if (run.some(current)) kept.push(...run);
  };
  for (const m of dated) {
    const start = m.startDay as number;
    const end = m.ongoing ? untilDay : (m.endDay ?? start);
    if (run.length > 0 && start > runEnd + 1) {
      close();
      run = [];
      runEnd = Number.NEGATIVE_INFINITY;
    }
    run.push(m);
    runEnd = Math.max(runEnd, end);
  }
  close();
  // In the order they came, as the other filters keep it.
  return matches.filter((m) => kept.includes(m));
}

function minDurationOf(
  text: string,
  ctx: EvalContext,
  what: string,
  windowText: string,
  until: number,
  matches: MatchedExposure[],
  undecidedDose: MatchedExposure[],
  undated: MatchedExposure[],
  excluded?: ConditionPeriods,
): RuleResult {
  const min = ctx.duration(text);
  const spans = exposureSpans(matches, until);
  // Left-out conditions at their widest: the days surely outside them.
  const days = unionDays(excluded ? daysOutside(spans, excluded.possibly) : spans);
  const needed = durationDays(min);
  const evidence = [...matches.map((m) => m.evidence), ...(excluded?.evidence ?? [])];
  if (days >= needed) {
    // Dates known only to the month or year, at their narrowest (the latest start, the earliest end): enough only if it holds then too.
    const narrowSpans: DaySpans = matches
      .filter((m) => m.startDay !== undefined)
      .map((m): [number, number] => {
        const start = lastDayOf(m.exposure.start) ?? (m.startDay as number);
        const end = m.ongoing ? until : (dayOf(m.exposure.end) ?? start);
        return [start, Math.min(end, until)];
      });
    const fewest = unionDays(excluded ? daysOutside(narrowSpans, excluded.possibly) : narrowSpans);
    if (fewest < needed) {
      return result('unknown', `${what}: between ${dayCount(fewest)} and ${dayCount(days)} of exposure${windowText}, needed ${formatDuration(min)}: a start or end recorded only to its month or year decides`, {
        evidence,
        missing: [`the exact start and end dates of ${what}`],
      });
    }
    return confirmTextOnly(result('true', `${what}: ${dayCount(days)} of exposure${windowText} (needed ${formatDuration(min)})`, { evidence }), matchKinds(matches), what);
  }
  if (excluded && unionDays(daysOutside(spans, excluded.surely)) >= needed) {
    return result('unknown', `${what}: between ${days} and ${unionDays(daysOutside(spans, excluded.surely))} days of exposure${windowText}, needed ${formatDuration(min)}: ${excluded.open.slice(0, 3).join('; ')}`, {
      evidence,
      missing: [`the dates of ${excluded.open.length > 0 ? excluded.open.slice(0, 3).join('; ') : 'the conditions left out'}`],
    });
  }
  if (undecidedDose.length > 0 || undated.length > 0) {
    const open = [...undecidedDose, ...undated];
    return result('unknown', `${what}: ${dayCount(days)} with known dose/dates${windowText}, needed ${formatDuration(min)}; dose or dates not recorded for ${open.length} more`, {
      evidence: [...evidence, ...open.map((m) => m.evidence)],
      missing: [`${what} dose or dates`],
    });
  }
  return result('false', matches.length === 0 ? `no ${what} recorded${windowText}` : `${what}: only ${dayCount(days)} of exposure${windowText} (needed ${formatDuration(min)})`, { evidence });
}

/**
 * "At most 14 days of insulin in the past year": the days of exposure in the window are counted
 * twice, the fewest the record allows (a partial date at its narrowest, an end not recorded as the
 * start day alone, an ongoing one up to the as-of date) and the most (partial dates at their
 * widest, an end not recorded or an ongoing exposure up to the window's end, and every exposure
 * that may count: no route, no readable dose, no start date). Met only when the most is within
 * the bound, not met when the fewest is beyond it; in between the record cannot say (unknown).
 */
function maxDurationOf(
  text: string,
  ctx: EvalContext,
  what: string,
  windowText: string,
  windowStart: number | undefined,
  until: number,
  matches: MatchedExposure[],
  maybe: { m: MatchedExposure; why: string }[],
  excluded?: ConditionPeriods,
): RuleResult {
  const max = ctx.duration(text);
  const limit = durationDays(max);
  const from = windowStart ?? Number.NEGATIVE_INFINITY;
  const fewest: { span: [number, number]; byText: boolean }[] = [];
  const most: [number, number][] = [];
  const open: string[] = [];
  for (const m of matches) {
    const e = m.exposure;
    const startEarly = dayOf(e.start) as number;
    const startLate = lastDayOf(e.start) as number;
    let endEarly: number;
    let endLate: number;
    if (m.ongoing) {
      endEarly = Math.min(ctx.asOfDay, until);
      endLate = until;
      if (until > ctx.asOfDay) open.push(`${describe(m)} runs past the as-of date`);
    } else if (e.end === undefined || dayOf(e.end) === undefined) {
      endEarly = startLate;
      endLate = until;
      open.push(`${m.label} from ${isoOfDay(startEarly)} has no end date`);
    } else {
      endEarly = dayOf(e.end) as number;
      endLate = lastDayOf(e.end) as number;
      if (endLate > endEarly) open.push(`${describe(m)} ends ${e.end}, only to the month or year`);
      const refilled = lastDayOf(e.endAtMost);
      if (refilled !== undefined && refilled > endLate) {
        endLate = refilled;
        open.push(`${describe(m)} allows refills that may run to ${isoOfDay(refilled)}`);
      }
    }
    if (startLate > startEarly) open.push(`${describe(m)} starts ${e.start ?? ''}, only to the month or year`);
    fewest.push({ span: [Math.max(startLate, from), Math.min(endEarly, until)], byText: m.byText });
    most.push([Math.max(startEarly, from), Math.min(endLate, until)]);
  }
  for (const { m, why } of maybe) {
    const endLate = m.ongoing || m.exposure.end === undefined ? until : (lastDayOf(m.exposure.end) ?? until);
    most.push([Math.max(m.startDay ?? from, from), Math.min(endLate, until)]);
    open.push(`${describe(m)}: ${why}, it may count`);
  }
  // Days within a left-out condition: the fewest leave out every day that may be in one, the most only those surely in one.
  const outside = (spans: DaySpans, which: 'surely' | 'possibly'): DaySpans => (excluded ? daysOutside(spans, excluded[which]) : spans);
  const fewestDays = unionDays(outside(fewest.map((f) => f.span), 'possibly'));
  const fewestByCode = unionDays(outside(fewest.filter((f) => !f.byText).map((f) => f.span), 'possibly'));
  const mostDays = unionDays(outside(most, 'surely'));
  if (excluded && mostDays > fewestDays) open.push(...excluded.open);
  const bound = `at most ${formatDuration(max)} allowed`;
  const evidence = [...[...matches, ...maybe.map((x) => x.m)].map((m) => m.evidence), ...(excluded?.evidence ?? [])];
  if (mostDays <= limit) {
    return result('true', matches.length + maybe.length === 0 ? `no ${what} recorded${windowText}` : `${what}: ${mostDays === fewestDays ? '' : 'at most '}${dayCount(mostDays)} of exposure${windowText} (${bound})`, { evidence });
  }
  const more = `${what}: ${dayCount(fewestDays)} of exposure${windowText}, more than ${formatDuration(max)}`;
  if (fewestByCode > limit) return result('false', more, { evidence });
  if (fewestDays > limit) {
    // Past the bound only with medications recognised by name: a person confirms they are.
    return needsConfirmation(result('true', more, { evidence }), `${what} recognised only by name, not by a listed code: confirm it is one`);
  }
  const most_ = Number.isFinite(mostDays) ? `${mostDays}` : 'an unknown number of';
  return result('unknown', `${what}: between ${fewestDays} and ${most_} days of exposure${windowText}, ${bound}: ${open.slice(0, 3).join('; ')}`, {
    evidence,
    missing: [`${what} start and end dates`],
  });
}

/** Days covered by the union of inclusive intervals (empty ones skipped; an endless one is endless). */
function unionDays(intervals: [number, number][]): number {
  const sorted = intervals.filter(([a, b]) => b >= a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let current: [number, number] | undefined;
  for (const [a, b] of sorted) {
    if (current && a <= current[1] + 1) {
      current[1] = Math.max(current[1], b);
      continue;
    }
    if (current) total += current[1] - current[0] + 1;
    current = [a, b];
  }
  if (current) total += current[1] - current[0] + 1;
  return total;
}

function describe(m: MatchedExposure): string {
  const from = m.startDay === undefined ? '?' : isoOfDay(m.startDay);
  const to = m.ongoing ? 'ongoing' : m.endDay === undefined ? '?' : isoOfDay(m.endDay);
  return `${m.label} (${from} to ${to})`;
}

/**
 * A washout holds when nothing in the classes (or a live vaccine) falls in the window
 * before the anchor. When it fails only because of timing, it says when it clears.
 */
export function evaluateWashout(rule: WashoutRule, ctx: EvalContext): RuleResult {
  const anchor = ctx.anchorDay(rule.anchor);
  const window = ctx.duration(rule.window);
  const from = subtractDuration(anchor, window);
  const where = `within ${formatDuration(window)} before ${ctx.anchorName(rule.anchor)} (${isoOfDay(from)} to ${isoOfDay(anchor)})`;
  const blocking: { label: string; lastDay: number | undefined; evidence: EvidenceItem }[] = [];
  const undecided: MatchedExposure[] = [];
  if (rule.medicationClasses.length > 0) {
    for (const m of exposuresOf(ctx, rule.medicationClasses, rule.systemicOnly)) {
      if (m.startDay === undefined) {
        // No start date: it may fall in the window. Fail closed unless it provably ended before.
        if (m.endDay === undefined || m.endDay >= from) undecided.push(m);
        continue;
      }
      if (!overlaps(m, from, anchor, ctx.asOfDay)) continue;
      const isSteroid = m.ingredientKeys.some((k) => ctx.terminology.ingredients.get(k)?.def.prednisoneFactor !== undefined);
      if (rule.prednisoneMgPerDayAbove !== undefined && isSteroid) {
        const dose = doseFilter(m, { op: '>', value: rule.prednisoneMgPerDayAbove });
        if (dose === undefined) {
          undecided.push(m);
          continue;
        }
        if (!dose) continue;
      }
      blocking.push({ label: m.label, lastDay: m.ongoing ? undefined : m.endDay, evidence: m.evidence });
    }
  }
  for (const imm of immunizationsIn(ctx, rule.vaccineValueSets)) {
    if (imm.day === undefined || imm.day < from || imm.day > anchor) continue;
    blocking.push({ label: imm.label, lastDay: imm.day, evidence: imm.evidence });
  }
  if (blocking.length > 0) {
    const ongoing = blocking.some((b) => b.lastDay === undefined);
    const last = Math.max(...blocking.map((b) => b.lastDay ?? -Infinity));
    const resolvesOn = ongoing ? AFTER_DISCONTINUATION : isoOfDay(addDuration(last, window) + 1);
    const names = blocking.map((b) => `${b.label}${b.lastDay === undefined ? ' (ongoing)' : ` (last ${isoOfDay(b.lastDay)})`}`);
    return result('false', `${names.join(', ')} ${where}; clear ${ongoing ? 'after discontinuation' : `from ${resolvesOn}`}`, {
      evidence: blocking.map((b) => b.evidence),
      resolvesOn,
    });
  }
  if (undecided.length > 0) {
    const undated = undecided.filter((m) => m.startDay === undefined);
    const why = undated.length > 0 ? 'with no start date, possibly' : 'corticosteroid with no readable dose';
    return result('unknown', `${undecided.map((m) => m.label).join(', ')}: ${why} ${where}`, {
      evidence: undecided.map((m) => m.evidence),
      missing: [undated.length > 0 ? 'medication start date' : 'corticosteroid daily dose'],
    });
  }
  return result('true', `none ${where}`);
}
