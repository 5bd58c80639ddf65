import { readNumeric } from '../engine/lab-reading';
import type { CompiledTrial } from '../mapping/compile';
import type { PatientRecord } from '../record/types';
import type { EligibilityReport } from '../report/types';

export interface TrendPoint {
  /** YYYY-MM-DD */
  date: string;
  value: number;
  comparator?: string;
  reference: string;
  /** The decision cited this result as evidence. */
  used: boolean;
}

export interface TrendSeries {
  analyte: string;
  label: string;
  /** The analyte's canonical UCUM unit: every point was converted to it. */
  unit: string;
  points: TrendPoint[];
  /** Results of this analyte that could not be put on the chart (no date, unit not convertible). */
  leftOut: number;
  /** At least one point was recognised by its name rather than its code. */
  matchedByText: boolean;
}

/**
 * The measurements a decision used, over time: every analyte that appears in a criterion's
 * evidence (analytes of `trend` rules first), with all of the patient's counting results for
 * it converted to the analyte's unit. Values whose unit cannot be converted are left out and
 * counted, never drawn on a wrong scale. A single value is not a trend and gets no chart.
 */
export function trendsForReport(trial: CompiledTrial, report: EligibilityReport, record: PatientRecord, maxCharts = 6): TrendSeries[] {
  const terminology = trial.terminology;
  const factsByReference = new Map<string, PatientRecord['observations']>();
  for (const fact of record.observations) {
    const list = factsByReference.get(fact.reference) ?? [];
    list.push(fact);
    factsByReference.set(fact.reference, list);
  }
  const usedReferences = new Set(report.criteria.flatMap((c) => c.evidence.map((e) => e.reference)));
  const ordered = new Set<string>(trendAnalytes(trial));
  const cited = new Set<string>();
  for (const reference of usedReferences) {
    for (const fact of factsByReference.get(reference) ?? []) {
      for (const { key } of terminology.analytesOf(fact.code)) cited.add(key);
    }
  }
  for (const key of [...ordered]) if (!cited.has(key)) ordered.delete(key);
  for (const key of cited) ordered.add(key);

  const series: TrendSeries[] = [];
  for (const key of ordered) {
    const analyte = terminology.analytes.get(key);
    if (!analyte) continue;
    const points: TrendPoint[] = [];
    let leftOut = 0;
    let matchedByText = false;
    for (const fact of record.observations) {
      const match = terminology.analytesOf(fact.code).find((m) => m.key === key);
      if (!match) continue;
      const reading = readNumeric(fact, analyte);
      const date = fact.date?.slice(0, 10);
      if (!reading.ok || !date || !/^\d{4}-\d{2}-\d{2}$/.test(date)) {
        leftOut++;
        continue;
      }
      matchedByText ||= match.byText;
      points.push({
        date,
        value: reading.reading.value,
        ...(reading.reading.comparator ? { comparator: reading.reading.comparator } : {}),
        reference: fact.reference,
        used: usedReferences.has(fact.reference),
      });
    }
    if (points.length < 2) continue;
    points.sort((a, b) => a.date.localeCompare(b.date));
    series.push({ analyte: key, label: analyte.def.display, unit: analyte.def.unit, points, leftOut, matchedByText });
    if (series.length >= maxCharts) break;
  }
  return series;
}

/** Analytes named by `trend` rules anywhere in the trial's criteria. */
function trendAnalytes(trial: CompiledTrial): string[] {
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
    } else if (value !== null && typeof value === 'object') {
      const node = value as { kind?: unknown; analyte?: unknown };
      if (node.kind === 'trend' && typeof node.analyte === 'string') found.push(node.analyte);
      for (const child of Object.values(value)) visit(child);
    }
  };
  for (const criterion of trial.criteria) visit(criterion.rule);
  return found;
}
