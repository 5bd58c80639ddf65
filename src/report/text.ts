import type { CriterionResult, EligibilityReport } from './types';

const STATUS_LABEL: Record<CriterionResult['status'], string> = {
  met: 'met',
  not_met: 'NOT MET',
  unknown: 'unknown',
  review: 'review',
};

function evidenceLine(e: CriterionResult['evidence'][number]): string {
  const value = e.value === undefined ? '' : ` ${String(e.value)}${e.unit ? ` ${e.unit}` : ''}`;
  const date = e.date ? ` (${e.date})` : '';
  const note = e.note ? ` [${e.note}]` : '';
  return `${e.reference}${value}${date}${note}`;
}

/** A readable rendering for people; JSON stays the contract. */
export function renderText(report: EligibilityReport, criterionText?: (id: string) => string | undefined): string {
  const lines: string[] = [];
  lines.push(`${report.trial} · ${report.patient} · as of ${report.asOf}${report.leukapheresisDate ? ` · leukapheresis ${report.leukapheresisDate}` : ''}`);
  lines.push(`Outcome: ${report.outcome.toUpperCase()}`);
  for (const reason of report.outcomeReasons ?? []) lines.push(`  because ${reason}`);
  const groups: [string, string[]][] = [
    ['Not met', report.summary.notMet],
    ['Awaiting washout', report.summary.awaitingWashout],
    ['Unknown (data missing or stale)', report.summary.unknown],
    ['To review', report.summary.review],
  ];
  for (const [title, ids] of groups) if (ids.length > 0) lines.push(`${title}: ${ids.join(', ')}`);
  lines.push('');
  for (const c of report.criteria) {
    const text = criterionText?.(c.id);
    lines.push(`[${STATUS_LABEL[c.status].padEnd(7)}] ${c.id}${c.manual ? ' (manual)' : ''}${text ? ` — ${text}` : ''}`);
    lines.push(`          ${c.explanation}`);
    if (c.resolvesOn) lines.push(`          clears: ${c.resolvesOn}`);
    if (c.missing?.length) lines.push(`          missing: ${c.missing.join('; ')}`);
    if (c.confirm) lines.push(`          confirm: ${c.confirm}`);
    for (const e of c.evidence.slice(0, 5)) lines.push(`          · ${evidenceLine(e)}`);
    if (c.evidence.length > 5) lines.push(`          · ... ${c.evidence.length - 5} more`);
  }
  if (report.warnings.length > 0) {
    lines.push('');
    lines.push(`Data warnings (${report.warnings.length}):`);
    for (const w of report.warnings.slice(0, 10)) lines.push(`  ${w.where}: ${w.message}`);
    if (report.warnings.length > 10) lines.push(`  ... ${report.warnings.length - 10} more`);
  }
  return lines.join('\n');
}
