import type { EvidenceItem } from '../../report/types';
import type { EvalContext } from '../context';
import { dayOf, lastDayOf } from '../dates';
import { conceptLabel, factsMatching, matchAny, textOnly } from './match';

/** Inclusive day intervals; an open end is an infinite bound. */
export type DaySpans = [number, number][];

/**
 * The days Conditions of some value sets cover, for rules that leave those days out ("insulin
 * except in pregnancy with gestational diabetes"). Counted twice, as elsewhere with dates:
 * `surely` holds only days the record proves inside (onset to abatement, a partial date at its
 * narrowest, coded and not merely unconfirmed); `possibly` every day that may be inside (a
 * partial date at its widest, no abatement up to `until`, no onset from any time before). A
 * Condition that never ended is surely covering only its onset day: one nobody closed is not
 * proof of a years-long pregnancy.
 */
export interface ConditionPeriods {
  surely: DaySpans;
  possibly: DaySpans;
  evidence: EvidenceItem[];
  /** Why a period is not certain, for the explanation when the answer depends on it. */
  open: string[];
}

export function conditionPeriods(ctx: EvalContext, valueSets: string[], until: number): ConditionPeriods {
  const periods: ConditionPeriods = { surely: [], possibly: [], evidence: [], open: [] };
  for (const condition of factsMatching(ctx, 'conditions matching', ctx.record.conditions, (c) => c.code, valueSets)) {
    const m = matchAny(ctx, valueSets, condition.code);
    if (!m) continue;
    const onsetEarly = dayOf(condition.onset);
    const onsetLate = lastDayOf(condition.onset);
    if (onsetEarly !== undefined && onsetEarly > ctx.asOfDay) continue;
    const abatementEarly = dayOf(condition.abatement);
    const abatementLate = lastDayOf(condition.abatement);
    const label = conceptLabel(condition.code, m.matched);
    const evidence: EvidenceItem = { reference: condition.reference, value: label, note: 'its days of exposure are not counted' };
    if (condition.onset) evidence.date = condition.onset.slice(0, 10);
    periods.evidence.push(evidence);
    // No onset: it may have begun any time before it was written down.
    const possibleStart = onsetEarly ?? Number.NEGATIVE_INFINITY;
    const possibleEnd = abatementLate ?? until;
    periods.possibly.push([possibleStart, possibleEnd]);
    const confirmed = condition.verificationStatus === undefined || condition.verificationStatus === 'confirmed';
    if (onsetLate === undefined) periods.open.push(`${label} has no onset date`);
    else if (abatementEarly === undefined) periods.open.push(`${label} from ${condition.onset?.slice(0, 10) ?? ''} has no abatement date`);
    else if (!confirmed) periods.open.push(`${label} is ${condition.verificationStatus ?? ''}`);
    else if (textOnly(m)) periods.open.push(`${label} is recognised only by name`);
    if (onsetLate === undefined || !confirmed || textOnly(m)) continue;
    periods.surely.push([onsetLate, abatementEarly ?? onsetLate]);
    if (onsetLate > (onsetEarly ?? onsetLate) || (abatementLate ?? 0) > (abatementEarly ?? 0)) periods.open.push(`${label} is dated only to the month or year`);
  }
  return periods;
}

/** Days of the union of `spans` outside the union of `removed` (endless spans stay endless). */
export function daysOutside(spans: DaySpans, removed: DaySpans): DaySpans {
  const cuts = merged(removed);
  const out: DaySpans = [];
  for (const [from, to] of merged(spans)) {
    let start = from;
    for (const [a, b] of cuts) {
      if (b < start || a > to) continue;
      if (a > start) out.push([start, a - 1]);
      start = b + 1;
      if (start > to) break;
    }
    if (start <= to) out.push([start, to]);
  }
  return out;
}

function merged(spans: DaySpans): DaySpans {
  const sorted = spans.filter(([a, b]) => b >= a).sort((x, y) => x[0] - y[0]);
  const out: DaySpans = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
