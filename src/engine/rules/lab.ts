import type { AnchorName, LabRule } from '../../mapping/schema';
import type { CompiledAnalyte } from '../../mapping/terminology';
import type { ObservationFact } from '../../record/types';
import type { AnalyteResult, EvalContext } from '../context';
import { formatDuration, isoOfDay, subtractDuration } from '../dates';
import { compareReading, describeValue, evidenceOf, formatReading, readNumeric, round, shown, toAnalyteUnit, type NumericReading } from '../lab-reading';
import { result, type RuleResult, type Truth } from '../result';
import { exposuresOf } from './medication';

const DEFAULT_LOOKBACK = '30d';
const TEXT_MATCH = 'matched by name, not by code';

/** The most recent counted result inside the lookback, or why there is none. */
export function latestInLookback(
  ctx: EvalContext,
  analyte: CompiledAnalyte,
  lookbackText: string | undefined,
  anchor: AnchorName,
): { ok: true; found: AnalyteResult } | { ok: false; outcome: RuleResult; unreadable?: true } {
  const lookback = ctx.duration(lookbackText ?? analyte.def.lookback ?? DEFAULT_LOOKBACK);
  // Data after the as-of date is not read, but a window before a later anchor (first dose) starts
  // from that anchor: a result older than the window before it is stale, however recent at screening.
  const anchorDay = ctx.anchorDay(anchor);
  const windowStart = subtractDuration(anchorDay, lookback);
  const name = analyte.def.display;
  // Before an anchor earlier than screening (an event read from the record), results after it are not "before" it.
  const all = anchorDay < ctx.asOfDay ? ctx.results(analyte.key).filter((r) => r.day === undefined || r.day <= anchorDay) : ctx.results(analyte.key);
  const latest = all[0];
  if (!latest) return { ok: false, outcome: { ...result('unknown', `no ${name} result`, { missing: [name] }), noData: true } };
  // An undated result may be the newest: none of the others can be taken as the latest.
  const undated = all.find((r) => r.day === undefined);
  if (undated || latest.day === undefined) {
    const evidence = [evidenceOf((undated ?? latest).fact)];
    return { ok: false, unreadable: true, outcome: result('unknown', `${name}: a result has no date, so which is the latest cannot be told`, { missing: [`${name} (dated)`], evidence }) };
  }
  if (latest.day < windowStart) {
    return {
      ok: false,
      outcome: result('unknown', `${name}: latest result on ${isoOfDay(latest.day)} is stale (older than ${formatDuration(lookback)} before ${ctx.anchorName(anchor) === 'screening' ? '' : `${ctx.anchorName(anchor)}, `}${isoOfDay(ctx.anchorDay(anchor))})`, {
        missing: [`${name} within ${formatDuration(lookback)} (stale)`],
        evidence: [evidenceOf(latest.fact, undefined, 'stale')],
      }),
    };
  }
  const { fact } = latest;
  if (fact.dataAbsentReason !== undefined || (fact.value === undefined && fact.interpretation.length === 0)) {
    // The latest result counts even when it cannot be read: an older one does not stand in for it.
    // (A flag with no value is read by the range and positivity comparisons.)
    const why = fact.dataAbsentReason ? `no value (${fact.dataAbsentReason})` : fact.valueProblem ?? 'no value';
    return {
      ok: false,
      unreadable: true,
      outcome: result('unknown', `${name}: the latest result, on ${isoOfDay(latest.day)}, cannot be used: ${why}`, {
        missing: [`${name} in a usable form`],
        evidence: [evidenceOf(fact, undefined, 'latest result')],
      }),
    };
  }
  return { ok: true, found: latest };
}

export function evaluateLab(rule: LabRule, ctx: EvalContext): RuleResult {
  const analyte = ctx.analyte(rule.analyte);
  if (rule.select === 'ever') return evaluateEver(rule, ctx, analyte);
  const latest = latestInLookback(ctx, analyte, rule.lookback, rule.anchor);
  if (!latest.ok && latest.outcome.noData) {
    const absent = shownAbsent(rule, ctx, analyte);
    if (absent) return absent;
  }
  if (!latest.ok) {
    // "Absent is false" decides only on absence that was read: no result at all, or only old ones.
    if (rule.absentIs === 'false' && !latest.unreadable) return result('false', `no recent ${analyte.def.display} result (${latest.outcome.explanation})`, { evidence: latest.outcome.evidence });
    return latest.outcome;
  }
  const { found } = latest;
  if (rule.notAfterMedication) {
    const within = ctx.duration(rule.notAfterMedication.within);
    const resultDay = found.day as number;
    const support = exposuresOf(ctx, rule.notAfterMedication.classes, false).filter(
      (e) => e.startDay !== undefined && e.startDay <= resultDay && (e.endDay ?? resultDay) >= subtractDuration(resultDay, within),
    );
    if (support.length > 0) {
      const first = support[0];
      return result('unknown', `${analyte.def.display} on ${isoOfDay(resultDay)} was measured within ${formatDuration(within)} after ${first?.label ?? 'growth factor'}; a result without that support is needed`, {
        missing: [`${analyte.def.display} without ${rule.notAfterMedication.classes.join('/')} support`],
        evidence: [evidenceOf(found.fact), ...support.map((s) => s.evidence)],
      });
    }
  }
  const verdict = judge(rule, ctx, analyte, found);
  if (verdict.truth !== 'true') return verdict;
  if (rule.persistsFor) return persisted(rule, rule.persistsFor, ctx, analyte, found, verdict);
  if (rule.confirmedWithin) return confirmed(rule, rule.confirmedWithin, ctx, analyte, found, verdict);
  return verdict;
}

/**
 * "At least 3 months before and at screening": the latest result qualifies, and so must the
 * latest one dated at least `persistsFor` before it. None that old is `unknown` (the persistence
 * cannot be shown); one that old not qualifying is `false`.
 */
function persisted(rule: LabRule, persistsFor: string, ctx: EvalContext, analyte: CompiledAnalyte, latest: AnalyteResult, now: RuleResult): RuleResult {
  const span = ctx.duration(persistsFor);
  const cutoff = subtractDuration(latest.day as number, span);
  const earlier = ctx.results(analyte.key).find((r) => r.day !== undefined && r.day <= cutoff);
  const name = analyte.def.display;
  if (!earlier) {
    return result('unknown', `${now.explanation}; no ${name} result ${formatDuration(span)} or more earlier shows it persists`, { evidence: now.evidence, missing: [`${name} ${formatDuration(span)} before the latest`] });
  }
  const then = judge(rule, ctx, analyte, earlier);
  const text = `${now.explanation}; ${formatDuration(span)} or more earlier: ${then.explanation}`;
  if (then.truth === 'true') return result('true', text, { evidence: [...now.evidence, ...then.evidence] });
  return { ...then, explanation: text, evidence: [...now.evidence, ...then.evidence] };
}

/**
 * "Confirmed by a repeat test": the latest result qualifies, and so does another one from a day to
 * `within` before it. Without one it is `unknown`, never `false`: a result not qualifying before
 * the latest one does not confirm it, but the latest may be the first test and its repeat still
 * to come. A result on the same day is not a repeat (a feed sends one result twice).
 */
function confirmed(rule: LabRule, within: string, ctx: EvalContext, analyte: CompiledAnalyte, latest: AnalyteResult, now: RuleResult): RuleResult {
  const span = ctx.duration(within);
  const latestDay = latest.day as number;
  const oldest = subtractDuration(latestDay, span);
  const repeats = ctx.results(analyte.key).filter((r) => r.day !== undefined && r.day < latestDay && r.day >= oldest);
  const name = analyte.def.display;
  for (const repeat of repeats) {
    const then = judge(rule, ctx, analyte, repeat);
    if (then.truth === 'true') return result('true', `${now.explanation}; confirmed by ${then.explanation}`, { evidence: [...now.evidence, ...then.evidence] });
  }
  const seen = repeats.length === 0 ? `no other ${name} result` : `no other ${name} result qualifying (${repeats.length} not)`;
  return result('unknown', `${now.explanation}; ${seen} within ${formatDuration(span)} before it confirms it: the repeat test may be still to come`, {
    evidence: [...now.evidence, ...repeats.slice(0, 2).map((r) => evidenceOf(r.fact))],
    missing: [`a repeat ${name} result within ${formatDuration(span)}`],
  });
}

function evaluateEver(rule: LabRule, ctx: EvalContext, analyte: CompiledAnalyte): RuleResult {
  const all = ctx.results(analyte.key);
  // A result with only an interpretation flag (an H with no value) is a result (CONVENTIONS "Values as sites send them").
  const readable = (r: AnalyteResult): boolean => r.fact.value !== undefined || r.fact.interpretation.length > 0;
  const results = all.filter(readable);
  const unusable = all.find((r) => !readable(r));
  if (results.length === 0 && !unusable) return { ...result('unknown', `no ${analyte.def.display} result`, { missing: [analyte.def.display] }), noData: true };
  // Judged newest first up to the first that holds (judging is pure, so the rest cannot change it).
  const judged: RuleResult[] = [];
  for (const r of results) {
    const j = judge(rule, ctx, analyte, r);
    if (j.truth === 'true') return j;
    judged.push(j);
  }
  if (unusable) {
    // One that cannot be read might have been the qualifying one.
    return result('unknown', `${analyte.def.display} result on ${unusable.fact.date?.slice(0, 10) ?? 'an unknown date'} cannot be used: ${unusable.fact.valueProblem ?? unusable.fact.dataAbsentReason ?? 'no value'}`, {
      missing: [`${analyte.def.display} in a usable form`],
      evidence: [evidenceOf(unusable.fact)],
    });
  }
  const open = judged.find((j) => j.truth !== 'false');
  if (open) return open;
  return result('false', `${results.length} ${analyte.def.display} result(s), none qualifying; latest: ${judged[0]?.explanation ?? ''}`, {
    evidence: judged.slice(0, 3).flatMap((j) => j.evidence),
  });
}

/** One result judged by the rule's comparison alone (no lookback, no "latest"): for picking anchor events. */
export function judgeResult(rule: LabRule, ctx: EvalContext, found: AnalyteResult): RuleResult {
  return judge(rule, ctx, ctx.analyte(rule.analyte), found);
}

function judge(rule: LabRule, ctx: EvalContext, analyte: CompiledAnalyte, found: AnalyteResult): RuleResult {
  const { fact } = found;
  const name = analyte.def.display;
  const date = found.day === undefined ? 'undated' : isoOfDay(found.day);
  const textNote = found.byText ? TEXT_MATCH : undefined;
  const compare = rule.compare;
  if ('titerAtLeast' in compare) {
    const needed = Number(compare.titerAtLeast.split(':')[1]);
    const reading = readNumeric(fact, { ...analyte, def: { ...analyte.def, unit: '{titer}' } });
    if (!reading.ok) return unreadable(name, fact, date, reading.reason, textNote);
    const holds = compareReading(reading.reading, '>=', needed);
    return decided(holds, `${name} ${formatReading(reading.reading)} on ${date} (needed ≥ 1:${needed})`, [evidenceOf(fact, reading.reading, textNote)]);
  }
  if ('is' in compare) {
    if (compare.is === 'positive' || compare.is === 'negative') {
      const positive = positivity(fact, analyte, ctx);
      if (positive.value === undefined) return unreadable(name, fact, date, positive.reason, textNote);
      const holds = compare.is === 'positive' ? positive.value : !positive.value;
      return decided(holds, `${name} ${positive.value ? 'positive' : 'negative'} on ${date} (${positive.reason})`, [evidenceOf(fact, positive.reading, joinNotes(textNote, positive.note))]);
    }
    const direction = compare.is === 'below_range' ? 'low' : 'high';
    const flagged = interpretationSays(fact, direction);
    if (flagged !== undefined) {
      return decided(flagged, `${name} ${flagged ? '' : 'not '}${direction === 'low' ? 'below' : 'above'} range on ${date} (interpretation ${fact.interpretation.join(',')})`, [evidenceOf(fact, undefined, textNote)]);
    }
    if (direction === 'high') {
      // "POSITIVE" is above the cut-off and "Negative" is not; neither says "below range".
      const word = qualitativeOf(fact, ctx);
      if (word) return decided(word.positive, `${name} ${word.positive ? 'above' : 'not above'} range on ${date} (${word.reason})`, [evidenceOf(fact, undefined, textNote)]);
    }
    const reading = readNumeric(fact, analyte, { allowRange: true });
    if (!reading.ok) return unreadable(name, fact, date, reading.reason, textNote);
    const limit = rangeLimit(fact, analyte, direction);
    if (!limit.ok) return unreadable(name, fact, date, limit.reason, textNote);
    const holds = compareReading(reading.reading, direction === 'low' ? '<' : '>', limit.value);
    return decided(
      holds,
      `${name} ${formatReading(reading.reading)} on ${date} ${direction === 'low' ? 'vs lower' : 'vs upper'} limit ${round(limit.value)}${limit.assumed ? ' (assumed)' : ''}`,
      [evidenceOf(fact, reading.reading, joinNotes(textNote, limit.assumed ? `assumed ${direction === 'low' ? 'lower' : 'upper'} limit ${limit.value} ${analyte.def.unit}` : undefined))],
    );
  }
  const reading = readNumeric(fact, analyte, { allowRange: true });
  if (!reading.ok) return unreadable(name, fact, date, reading.reason, textNote);
  if ('uln' in compare) {
    const limit = rangeLimit(fact, analyte, 'high');
    if (!limit.ok) return unreadable(name, fact, date, limit.reason, textNote);
    const threshold = compare.uln * limit.value;
    const holds = compareReading(reading.reading, compare.op, threshold);
    const multiple = `${shown(reading.reading.value / limit.value)}${reading.reading.high === undefined ? '' : `-${shown(reading.reading.high / limit.value)}`}`;
    return decided(
      holds,
      `${name} ${formatReading(reading.reading)} on ${date} = ${multiple}×ULN (ULN ${shown(limit.value)}${limit.assumed ? ', assumed' : ''}; needed ${compare.op} ${compare.uln}×ULN)`,
      [evidenceOf(fact, reading.reading, joinNotes(textNote, limit.assumed ? `assumed upper limit ${limit.value} ${analyte.def.unit}` : `ULN ${round(limit.value)} ${analyte.def.unit} from ${limit.from ?? 'referenceRange'}`))],
    );
  }
  const threshold = thresholdInAnalyteUnit(compare.value, compare.unit, analyte);
  if (!threshold.ok) return unreadable(name, fact, date, threshold.reason, textNote);
  const holds = compareReading(reading.reading, compare.op, threshold.value);
  const wanted = `${compare.op} ${compare.value} ${compare.unit}`;
  return decided(holds, `${name} ${formatReading(reading.reading)} on ${date} (needed ${wanted})`, [evidenceOf(fact, reading.reading, textNote)]);
}

function joinNotes(...notes: (string | undefined)[]): string | undefined {
  const present = notes.filter((n): n is string => !!n);
  return present.length > 0 ? present.join('; ') : undefined;
}

function decided(holds: boolean | undefined, explanation: string, evidence: RuleResult['evidence']): RuleResult {
  const truth: Truth = holds === undefined ? 'unknown' : holds ? 'true' : 'false';
  return result(truth, holds === undefined ? `${explanation}: the reported bound cannot decide` : explanation, { evidence });
}

function unreadable(name: string, fact: ObservationFact, date: string, reason: string, note?: string): RuleResult {
  return result('unknown', `${name} on ${date} (${describeValue(fact)}) cannot be used: ${reason}`, {
    missing: [`${name} in a usable form`],
    evidence: [evidenceOf(fact, undefined, note)],
  });
}

export function thresholdInAnalyteUnit(value: number, unit: string, analyte: CompiledAnalyte): { ok: true; value: number } | { ok: false; reason: string } {
  return toAnalyteUnit(value, unit, analyte);
}

/** referenceRange.text as labs send it when low/high are absent: "7-35 U/L", "< 35", ">= 60 mL/min". */
export function parseRangeText(text: string): { low?: number; high?: number; unit?: string } | undefined {
  const t = text.trim().replace(/[µμ]/g, 'u');
  const unitPart = '(?:\\s*([A-Za-z%[{/][^\\s]*))?';
  const between = new RegExp(`^(\\d+(?:\\.\\d+)?)\\s*(?:-|–|—|to)\\s*(\\d+(?:\\.\\d+)?)${unitPart}$`, 'i').exec(t);
  if (between) {
    const low = Number(between[1]);
    const high = Number(between[2]);
    if (!(low <= high)) return undefined;
    return { low, high, ...(between[3] ? { unit: between[3] } : {}) };
  }
  const bound = new RegExp(`^(<=|>=|≤|≥|<|>)\\s*(\\d+(?:\\.\\d+)?)${unitPart}$`).exec(t);
  if (bound) {
    const value = Number(bound[2]);
    const upper = bound[1]?.startsWith('<') || bound[1] === '≤';
    return { ...(upper ? { high: value } : { low: value }), ...(bound[3] ? { unit: bound[3] } : {}) };
  }
  return undefined;
}

/** The result's own reference limit (converted), else the mapping's assumed one. */
export function rangeLimit(
  fact: ObservationFact,
  analyte: CompiledAnalyte,
  side: 'low' | 'high',
): { ok: true; value: number; assumed: boolean; from?: string } | { ok: false; reason: string } {
  const range = fact.referenceRange;
  let bound = side === 'high' ? range?.high : range?.low;
  let from = 'referenceRange';
  if (!bound && range?.text !== undefined) {
    // No coded limit on this side: read the text ("7-35 U/L", "< 35"); a text that does not parse is no limit.
    const parsed = parseRangeText(range.text);
    const value = side === 'high' ? parsed?.high : parsed?.low;
    if (parsed && value !== undefined) {
      bound = { value, ...(parsed.unit ? { unit: parsed.unit } : {}) };
      from = `referenceRange.text "${range.text}"`;
    }
  }
  if (bound) {
    const valueUnit = fact.value?.kind === 'quantity' || fact.value?.kind === 'range' ? fact.value.unit : undefined;
    const unit = bound.unit ?? valueUnit ?? analyte.def.unit;
    const converted = toAnalyteUnit(bound.value, unit, analyte);
    if (converted.ok) return { ok: true, value: converted.value, assumed: false, from };
    return { ok: false, reason: `reference range unit: ${converted.reason}` };
  }
  const fallback = side === 'high' ? analyte.def.defaultUpperLimit : analyte.def.defaultLowerLimit;
  if (fallback !== undefined) return { ok: true, value: fallback, assumed: true };
  return { ok: false, reason: `no reference range ${side === 'high' ? 'upper' : 'lower'} limit and none assumed in the mapping` };
}

const HIGH_FLAGS = new Set(['H', 'HH', 'HU', '>']);
/** A positive or detected result is above its cut-off, a negative one is not (for "above range"). */
const POSITIVE_ONLY_FLAGS = new Set(['POS', 'DET']);
const NEGATIVE_ONLY_FLAGS = new Set(['NEG', 'ND']);
const LOW_FLAGS = new Set(['L', 'LL', 'LU', '<']);
const POSITIVE_FLAGS = new Set(['POS', 'DET', 'A', 'AA', 'H', 'HH', 'R']);
const NEGATIVE_FLAGS = new Set(['NEG', 'ND', 'N', 'NR']);

function interpretationSays(fact: ObservationFact, direction: 'low' | 'high'): boolean | undefined {
  if (fact.interpretation.length === 0) return undefined;
  const flags = direction === 'low' ? LOW_FLAGS : HIGH_FLAGS;
  if (fact.interpretation.some((f) => flags.has(f))) return true;
  if (fact.interpretation.includes('N')) return false;
  const other = direction === 'low' ? HIGH_FLAGS : LOW_FLAGS;
  if (fact.interpretation.some((f) => other.has(f))) return false;
  if (direction === 'high') {
    if (fact.interpretation.some((f) => POSITIVE_ONLY_FLAGS.has(f))) return true;
    if (fact.interpretation.some((f) => NEGATIVE_ONLY_FLAGS.has(f))) return false;
  }
  return undefined;
}

/** A qualitative, boolean or coded positive/negative value, read without numbers. */
function qualitativeOf(fact: ObservationFact, ctx: EvalContext): { positive: boolean; reason: string } | undefined {
  const v = fact.value;
  if (v?.kind === 'qualitative') return { positive: v.positive, reason: `reported "${v.text}"` };
  if (v?.kind === 'boolean') return { positive: v.value, reason: `reported ${String(v.value)}` };
  if (v?.kind === 'coded') {
    // Negative first: "not detected" contains "detected".
    const negative = ctx.terminology.valueSets.get('negative_result')?.match(v.concept);
    if (negative) return { positive: false, reason: `coded ${negative.matched}` };
    const positive = ctx.terminology.valueSets.get('positive_result')?.match(v.concept);
    if (positive) return { positive: true, reason: `coded ${positive.matched}` };
  }
  return undefined;
}

/** Positive or negative, read from the value, then the interpretation, then the range. */
function positivity(
  fact: ObservationFact,
  analyte: CompiledAnalyte,
  ctx: EvalContext,
): { value: boolean | undefined; reason: string; note?: string; reading?: NumericReading } {
  const v = fact.value;
  const word = qualitativeOf(fact, ctx);
  if (word) return { value: word.positive, reason: word.reason };
  if (fact.interpretation.some((f) => POSITIVE_FLAGS.has(f))) return { value: true, reason: `interpretation ${fact.interpretation.join(',')}` };
  if (fact.interpretation.some((f) => NEGATIVE_FLAGS.has(f))) return { value: false, reason: `interpretation ${fact.interpretation.join(',')}` };
  const reading = readNumeric(fact, analyte, { allowRange: true });
  if (reading.ok) {
    const limit = rangeLimit(fact, analyte, 'high');
    if (!limit.ok) return { value: undefined, reason: limit.reason };
    const above = compareReading(reading.reading, '>', limit.value);
    if (above === undefined) return { value: undefined, reason: 'the reported bound cannot decide' };
    return {
      value: above,
      reason: `${formatReading(reading.reading)} vs cut-off ${round(limit.value)}${limit.assumed ? ' (assumed)' : ''}`,
      reading: reading.reading,
      ...(limit.assumed ? { note: `assumed cut-off ${limit.value} ${analyte.def.unit}` } : {}),
    };
  }
  return { value: undefined, reason: v?.kind === 'string' ? `unrecognised result "${v.text}"` : reading.reason };
}

/**
 * No result of the finding itself, but a broader test that found nothing (no casts of any kind):
 * the finding is absent, and the rule is judged as for a zero or negative result.
 */
function shownAbsent(rule: LabRule, ctx: EvalContext, analyte: CompiledAnalyte): RuleResult | undefined {
  for (const key of analyte.def.shownAbsentBy) {
    const broader = ctx.analyte(key);
    const latest = latestInLookback(ctx, broader, rule.lookback, rule.anchor);
    if (!latest.ok || !isNegativeResult(latest.found.fact)) continue;
    const compare = rule.compare;
    let holds: boolean | undefined;
    if ('is' in compare) holds = compare.is === 'negative' || compare.is === 'below_range' ? undefined : false;
    else if ('op' in compare && 'value' in compare) holds = compareReading({ value: 0, unit: analyte.def.unit }, compare.op, compare.value);
    if (holds === undefined) continue;
    const date = latest.found.day === undefined ? 'undated' : isoOfDay(latest.found.day);
    const why = `no ${analyte.def.display} result, but ${broader.def.display} on ${date} found none, so none is present`;
    return result(holds ? 'true' : 'false', why, { evidence: [evidenceOf(latest.found.fact, undefined, `negative ${broader.def.display}`)] });
  }
  return undefined;
}

function isNegativeResult(fact: ObservationFact): boolean {
  const v = fact.value;
  if (v?.kind === 'qualitative') return !v.positive;
  if (v?.kind === 'quantity') return v.value === 0 && v.comparator === undefined;
  return v === undefined && fact.interpretation.some((f) => f === 'NEG' || f === 'ND');
}
