import type { AnchorName, CockcroftGaultRule } from '../../mapping/schema';
import type { EvidenceItem } from '../../report/types';
import type { EvalContext } from '../context';
import { ageInYears, isoOfDay } from '../dates';
import { evidenceOf, readNumeric, round, shown } from '../lab-reading';
import { result, type RuleResult } from '../result';
import { latestInLookback } from './lab';

/** Creatinine clearance (mL/min) = (140 − age) × kg / (72 × mg/dL), × 0.85 for females. */
export function cockcroftGault(ageYears: number, weightKg: number, creatinineMgDl: number, female: boolean): number {
  const base = ((140 - ageYears) * weightKg) / (72 * creatinineMgDl);
  return female ? base * 0.85 : base;
}

export function evaluateCockcroftGault(rule: CockcroftGaultRule, ctx: EvalContext): RuleResult {
  const computed = computeFromData(rule, ctx);
  if (computed.truth !== 'unknown' || !rule.measuredClearance) return computed;
  // The protocol allows a directly measured clearance instead when the formula lacks an input.
  const analyte = ctx.analyte(rule.measuredClearance);
  const latest = latestInLookback(ctx, analyte, rule.lookback, 'asOf');
  if (!latest.ok) return result('unknown', `${computed.explanation}; and ${latest.outcome.explanation}`, { missing: [...computed.missing, ...latest.outcome.missing], evidence: computed.evidence });
  const reading = readNumeric(latest.found.fact, analyte);
  if (!reading.ok || reading.reading.comparator) {
    return result('unknown', `${computed.explanation}; measured clearance unusable`, { missing: computed.missing, evidence: [...computed.evidence, evidenceOf(latest.found.fact)] });
  }
  const holds = reading.reading.value >= rule.minMlPerMin;
  return result(holds ? 'true' : 'false', `measured creatinine clearance ${round(reading.reading.value)} mL/min on ${isoOfDay(latest.found.day as number)} (needed ≥ ${rule.minMlPerMin})`, {
    evidence: [evidenceOf(latest.found.fact, reading.reading)],
  });
}

/** What a formula's inputs gathered: what is missing and why, and the evidence of each one read. */
export interface InputAccumulator {
  missing: string[];
  evidence: EvidenceItem[];
  explanations: string[];
}

/**
 * The latest value of a formula input inside its lookback (positive unless `allowZeroOrLess`), in
 * the analyte's unit, or undefined with what is missing and why added to `acc`.
 */
export function latestPositiveValue(
  ctx: EvalContext,
  analyteKey: string,
  lookback: string | undefined,
  acc: InputAccumulator,
  options: { anchor?: AnchorName; allowZeroOrLess?: boolean } = {},
): number | undefined {
  const analyte = ctx.analyte(analyteKey);
  const latest = latestInLookback(ctx, analyte, lookback, options.anchor ?? 'asOf');
  if (!latest.ok) {
    acc.missing.push(...latest.outcome.missing);
    acc.explanations.push(latest.outcome.explanation);
    return undefined;
  }
  const r = readNumeric(latest.found.fact, analyte);
  if (r.ok && !r.reading.comparator && (options.allowZeroOrLess === true || r.reading.value > 0)) {
    acc.evidence.push(evidenceOf(latest.found.fact, r.reading));
    return r.reading.value;
  }
  acc.missing.push(`${analyte.def.display} in a usable unit`);
  acc.explanations.push(`${analyte.def.display} unusable (${r.ok ? 'a bound, not a value' : r.reason})`);
  acc.evidence.push(evidenceOf(latest.found.fact));
  return undefined;
}

function computeFromData(rule: CockcroftGaultRule, ctx: EvalContext): RuleResult {
  const acc = { missing: [] as string[], evidence: [] as EvidenceItem[], explanations: [] as string[] };
  const { missing, evidence, explanations } = acc;
  const crValue = latestPositiveValue(ctx, rule.creatinine, rule.lookback, acc);
  const wtValue = latestPositiveValue(ctx, rule.weight, ctx.analyte(rule.weight).def.lookback ?? '90d', acc);
  const age = ctx.record.birthDate ? ageInYears(ctx.record.birthDate, ctx.asOfDay) : undefined;
  if (!age) {
    missing.push('birth date');
    explanations.push('no birth date');
  }
  if (crValue === undefined || wtValue === undefined || !age) {
    return result('unknown', `Cockcroft-Gault cannot be computed: ${explanations.join('; ')}`, { missing, evidence });
  }
  const gender = ctx.record.gender;
  const candidates =
    gender === 'female' ? [true] : gender === 'male' ? [false] : [true, false]; // unknown sex: both must agree
  const values = candidates.flatMap((female) => [cockcroftGault(age.max, wtValue, crValue, female), cockcroftGault(age.min, wtValue, crValue, female)]);
  const lowest = Math.min(...values);
  const highest = Math.max(...values);
  const value = round(lowest);
  evidence.push({ reference: ctx.record.patientReference, value, unit: 'mL/min', note: `Cockcroft-Gault, age ${age.min}${age.max !== age.min ? `-${age.max}` : ''}, ${gender ?? 'sex unknown'}` });
  const text = `creatinine clearance ${shown(lowest)}${lowest !== highest ? `-${shown(highest)}` : ''} mL/min by Cockcroft-Gault (creatinine ${shown(crValue)} mg/dL, ${shown(wtValue)} kg, age ${age.min}${gender === 'female' ? ', female ×0.85' : ''}); needed ≥ ${rule.minMlPerMin}`;
  if (lowest >= rule.minMlPerMin) return result('true', text, { evidence });
  if (highest < rule.minMlPerMin) return result('false', text, { evidence });
  return result('unknown', `${text}: undecided because sex or exact age is not recorded`, { evidence, missing: ['sex or exact birth date'] });
}
