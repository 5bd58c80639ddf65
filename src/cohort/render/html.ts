import type { CohortSummary } from '../summary/types';
import { escapeXml as x } from './escape';
import { renderFunnelSvg } from './funnel-svg';
import { OUTCOME_LABELS, runLine } from './labels';

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111; margin: 2rem auto; max-width: 1000px; padding: 0 1rem; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #999; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { border: 1px solid #bbb; padding: .2rem .5rem; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; } .meta { color: #444; } code { font-size: .9em; }
figure { margin: 1rem 0; break-inside: avoid; } figcaption { color: #444; font-size: .9em; }
@media print { body { margin: 0; max-width: none; font-size: 11pt; } h2 { break-after: avoid; } tr { break-inside: avoid; } }
`;

/** A standalone, print-friendly page: no script, no external resource, every text escaped. */
export function renderHtml(summary: CohortSummary): string {
  const c = summary.counts;
  const parts: string[] = [];
  parts.push(`<!doctype html><html lang="en"><head><meta charset="utf-8">`);
  parts.push(`<title>${x(`Cohort ${summary.runId} — ${summary.trial.title}`)}</title><style>${STYLE}</style></head><body>`);
  parts.push(`<h1>${x(summary.trial.title)}</h1>`);
  parts.push(`<p class="meta">Cohort run <code>${x(summary.runId)}</code>: ${x(runLine(summary))}</p>`);
  if (summary.status !== 'completed') parts.push(`<p><strong>Partial results: the run is ${x(summary.status)}.</strong></p>`);

  parts.push('<h2>Outcomes</h2><table><thead><tr><th>Outcome</th><th class="n">Patients</th></tr></thead><tbody>');
  for (const [outcome, label] of OUTCOME_LABELS) parts.push(`<tr><td>${x(label)}</td><td class="n">${c.byOutcome[outcome]}</td></tr>`);
  parts.push(`<tr><td>Screening failed</td><td class="n">${c.failed}</td></tr>`);
  parts.push(`<tr><th>Candidates</th><th class="n">${c.total ?? c.screened + c.failed}</th></tr></tbody></table>`);

  parts.push('<h2>Screening funnel</h2>');
  parts.push(`<figure>${renderFunnelSvg(summary)}<figcaption>Each criterion in catalog order rules out the patients for whom it is the first one not met (a washout still running does not rule out). Unknown: the data needed is missing or stale.</figcaption></figure>`);
  parts.push('<table><thead><tr><th>Criterion</th><th>Text</th><th class="n">Ruled out here</th><th class="n">Still in</th><th class="n">Not met</th><th class="n">Washout</th><th class="n">Unknown</th><th class="n">Review</th><th class="n">Met</th></tr></thead><tbody>');
  for (const k of summary.criteria) {
    parts.push(
      `<tr><td><code>${x(k.id)}</code></td><td>${x(k.text)}${k.manual ? ' <em>(manual)</em>' : ''}</td><td class="n">${k.excludedHere}</td><td class="n">${k.remainingAfter}</td>` +
        `<td class="n">${k.notMet}</td><td class="n">${k.awaitingWashout}</td><td class="n">${k.unknown}</td><td class="n">${k.review}</td><td class="n">${k.met}</td></tr>`,
    );
  }
  parts.push('</tbody></table>');

  parts.push('<h2>New candidates since the last run</h2>');
  const fresh = summary.newCandidates;
  if (fresh.comparedWith === null) parts.push('<p>No earlier completed run of this cohort to compare with.</p>');
  else if (fresh.patients.length === 0) parts.push(`<p>None since run <code>${x(fresh.comparedWith)}</code>.</p>`);
  else {
    parts.push(`<p>Compared with run <code>${x(fresh.comparedWith)}</code>.</p><table><thead><tr><th>Patient</th><th>Outcome now</th><th>Previously</th></tr></thead><tbody>`);
    for (const p of fresh.patients) parts.push(`<tr><td><code>Patient/${x(p.patientId)}</code></td><td>${x(p.outcome)}</td><td>${x(p.previously)}</td></tr>`);
    parts.push('</tbody></table>');
  }

  if (summary.failures.length > 0) {
    parts.push(`<h2>Not screened (${summary.failures.length})</h2><table><thead><tr><th>Patient</th><th>Error</th><th>Reason</th></tr></thead><tbody>`);
    for (const f of summary.failures) parts.push(`<tr><td><code>Patient/${x(f.patientId)}</code></td><td><code>${x(f.code)}</code></td><td>${x(f.reason)}</td></tr>`);
    parts.push('</tbody></table>');
  }
  if (summary.warnings.length > 0) {
    parts.push('<h2>Notes on the selection</h2><ul>');
    for (const w of summary.warnings) parts.push(`<li>${x(w)}</li>`);
    parts.push('</ul>');
  }
  parts.push(`<p class="meta">${x(`${summary.generator.name} ${summary.generator.version}`)}</p></body></html>\n`);
  return parts.join('\n');
}
