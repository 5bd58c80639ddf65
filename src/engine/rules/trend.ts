import type { TrendRule } from '../../mapping/schema';
import { canonicalCode, canonicalSystem } from '../../mapping/systems';
import type { CompiledAnalyte } from '../../mapping/terminology';
import type { ObservationFact } from '../../record/types';
import type { EvalContext } from '../context';
import { formatDuration, isoOfDay, subtractDuration } from '../dates';
import { evidenceOf, formatReading, readNumeric, shown, type NumericReading } from '../lab-reading';
import { result, type RuleResult } from '../result';

/** Compare the latest value with the earliest value inside the window (CONVENTIONS.md). */
export function evaluateTrend(rule: TrendRule, ctx: EvalContext): RuleResult {
  const analyte = ctx.analyte(rule.analyte);
  const anchor = Math.min(ctx.anchorDay(rule.anchor), ctx.asOfDay);
  const window = ctx.duration(rule.window);
  const from = subtractDuration(anchor, window);
  const name = analyte.def.display;
  const all = ctx.results(rule.analyte).filter((r) => r.day !== undefined && r.day >= from && r.day <= anchor);
  // Like for like: the series of the latest result, never a mix of measurements.
  const series = all[0] === undefined ? '' : seriesOf(all[0].fact, analyte);
  const inWindow = all.filter((r) => seriesOf(r.fact, analyte) === series);
  const readings: { day: number; reading: NumericReading; r: (typeof inWindow)[number] }[] = [];
  for (const r of inWindow) {
    const reading = readNumeric(r.fact, analyte);
    if (!reading.ok) {
      // Dropping it could move the earliest or latest point: undecided rather than a wrong trend.
      return result('unknown', `${name} on ${isoOfDay(r.day as number)} cannot be used for the trend: ${reading.reason}`, {
        evidence: [evidenceOf(r.fact)],
        missing: [`${name} in a usable unit`],
      });
    }
    if (reading.reading.comparator) {
      return result('unknown', `${name} on ${isoOfDay(r.day as number)} is a bound (${formatReading(reading.reading)}), not a value`, {
        evidence: [evidenceOf(r.fact, reading.reading)],
        missing: [`${name} as a value`],
      });
    }
    readings.push({ day: r.day as number, reading: reading.reading, r });
  }
  const seriesNote = series === '' ? '' : ` (${series})`;
  const where = `${seriesNote} within ${formatDuration(window)} before ${ctx.anchorName(rule.anchor)} (${isoOfDay(from)} to ${isoOfDay(anchor)})`;
  if (readings.length < 2 || readings[0]?.day === readings[readings.length - 1]?.day) {
    return result('unknown', `${name}: ${readings.length} result(s) ${where}; two on different dates are needed for a trend`, {
      evidence: readings.map((x) => evidenceOf(x.r.fact, x.reading)),
      missing: [`${name} series ${where}`],
    });
  }
  // Results are newest first.
  const latest = readings[0] as (typeof readings)[number];
  const earliest = readings[readings.length - 1] as (typeof readings)[number];
  const delta = rule.direction === 'increase' ? latest.reading.value - earliest.reading.value : earliest.reading.value - latest.reading.value;
  const change = rule.measure === 'relative' ? (earliest.reading.value === 0 ? NaN : (delta / earliest.reading.value) * 100) : delta;
  if (Number.isNaN(change)) {
    return result('unknown', `${name}: the earliest value is 0, a relative change is undefined`, { missing: [`${name} baseline`] });
  }
  const holds = rule.inclusive ? change >= rule.by : change > rule.by;
  const unit = rule.measure === 'relative' ? '%' : ` ${analyte.def.unit === '{score}' ? 'points' : analyte.def.unit}`;
  const verb = rule.direction === 'increase' ? 'up' : 'down';
  return result(
    holds ? 'true' : 'false',
    `${name} ${verb} ${shown(change)}${unit} (${formatReading(earliest.reading)} on ${isoOfDay(earliest.day)} → ${formatReading(latest.reading)} on ${isoOfDay(latest.day)}); needed ${rule.inclusive ? '≥' : '>'} ${rule.by}${unit}`,
    { evidence: [evidenceOf(earliest.r.fact, earliest.reading, 'earliest in window'), evidenceOf(latest.r.fact, latest.reading, 'latest in window')] },
  );
}

/** The series (mapping `series`) of the analyte code the result carries; '' for the unlabelled codes. */
function seriesOf(fact: ObservationFact, analyte: CompiledAnalyte): string {
  for (const coding of fact.code.codings) {
    if (coding.code === undefined) continue;
    const system = canonicalSystem(coding.system);
    const code = canonicalCode(system, coding.code);
    const entry = analyte.def.codes.find((e) => e.code !== undefined && canonicalSystem(e.system) === system && canonicalCode(system, e.code) === code);
    if (entry) return entry.series ?? '';
  }
  return '';
}
