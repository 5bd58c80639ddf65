import type { CohortSummary } from '../summary/types';
import { OUTCOME_LABELS, runLine } from './labels';

const COLUMNS = ['section', 'id', 'label', 'detail', 'count', 'met', 'not_met', 'awaiting_washout', 'unknown', 'review', 'excluded_here', 'remaining_after'] as const;
type Row = Partial<Record<(typeof COLUMNS)[number], string | number>>;

/**
 * The summary as one CSV table (RFC 4180, CRLF) with a `section` column: `run`, `outcome`,
 * `funnel` (criteria in catalog order after a `screened` row), `new_candidate`, `failed`.
 * Spreadsheets filter on the first column.
 */
export function renderCsv(summary: CohortSummary): string {
  const rows: Row[] = [{ section: 'run', id: summary.runId, label: summary.trial.title, detail: runLine(summary) }];
  for (const [outcome, label] of OUTCOME_LABELS) rows.push({ section: 'outcome', id: outcome, label, count: summary.counts.byOutcome[outcome] });
  rows.push({ section: 'outcome', id: 'failed', label: 'Screening failed', count: summary.counts.failed });
  rows.push({ section: 'funnel', id: 'screened', label: 'Screened', count: summary.counts.screened, remaining_after: summary.counts.screened });
  for (const c of summary.criteria) {
    rows.push({
      section: 'funnel',
      id: c.id,
      label: c.text,
      detail: `${c.type}${c.manual ? ' (manual)' : ''}`,
      count: summary.counts.screened,
      met: c.met,
      not_met: c.notMet,
      awaiting_washout: c.awaitingWashout,
      unknown: c.unknown,
      review: c.review,
      excluded_here: c.excludedHere,
      remaining_after: c.remainingAfter,
    });
  }
  for (const p of summary.newCandidates.patients) {
    rows.push({ section: 'new_candidate', id: `Patient/${p.patientId}`, label: p.outcome, detail: `previously ${p.previously} (compared with ${summary.newCandidates.comparedWith ?? ''})` });
  }
  for (const f of summary.failures) rows.push({ section: 'failed', id: `Patient/${f.patientId}`, label: f.code, detail: f.reason });
  return [COLUMNS.join(','), ...rows.map((row) => COLUMNS.map((c) => cell(row[c])).join(','))].join('\r\n') + '\r\n';
}

function cell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return String(value);
  // A cell starting with = + - @ runs as a formula in spreadsheets: keep it text.
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}
