import type { CompiledTrial } from '../mapping/compile';
import type { CriterionResult, EligibilityReport, EvidenceItem, Outcome } from '../report/types';
import { APP_PATH, SMART_PATH } from '../smart/paths';
import { trendChart, unitLabel } from './chart';
import { html, safeHref, type SafeHtml } from './html';
import type { TrendSeries } from './trends';

export interface TrialView {
  trial: CompiledTrial;
  report: EligibilityReport;
  trends: TrendSeries[];
}

export interface ReportPageView {
  /** Shown only when the EHR asks the app for a patient banner (need_patient_banner). */
  banner?: { name: string; birthDate?: string; gender?: string };
  patientReference: string;
  /** Evidence references link to `${fhirBaseUrl}/${reference}`. */
  fhirBaseUrl: string;
  asOf: string;
  leukapheresisDate?: string;
  trials: TrialView[];
  csrfToken: string;
  writeBack: { allowed: true } | { allowed: false; reason: string };
  notice?: string;
  generatedBy: string;
}

const OUTCOME_LABEL: Record<Outcome, string> = {
  eligible: 'Eligible',
  'potential-candidate': 'Potential candidate',
  ineligible: 'Ineligible',
};

const STATUS_LABEL: Record<CriterionResult['status'], string> = {
  met: 'Met',
  not_met: 'Not met',
  unknown: 'Unknown',
  review: 'Review',
};

/** For an exclusion, "met" reads backwards to a person: say what it means. */
function statusHint(c: CriterionResult): string | undefined {
  if (c.type !== 'exclusion') return undefined;
  if (c.status === 'met') return 'not excluded';
  if (c.status === 'not_met') return c.resolvesOn ? 'excluded until washout' : 'excluded';
  return undefined;
}

function anchor(trialId: string, criterionId?: string): string {
  return `t-${trialId}${criterionId ? `-${criterionId}` : ''}`.replace(/[^A-Za-z0-9_-]/g, '_');
}

/** The whole page: server-rendered, no script, every value escaped by `html`. */
export function renderReportPage(view: ReportPageView): SafeHtml {
  const query = `?asOf=${encodeURIComponent(view.asOf)}${view.leukapheresisDate ? `&leukapheresis=${encodeURIComponent(view.leukapheresisDate)}` : ''}`;
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>eligo: trial screening</title><link rel="stylesheet" href="${APP_PATH}/assets/report.css"></head>
<body>
<header class="top">
<div><h1>eligo · trial screening</h1>${banner(view)}</div>
<form class="inline" method="get" action="${APP_PATH}/">
<label>Screening date<input type="date" name="asOf" value="${view.asOf}" required></label>
<label>Leukapheresis date<input type="date" name="leukapheresis" value="${view.leukapheresisDate ?? ''}"></label>
<button type="submit" class="secondary">Screen again</button>
</form>
<form method="post" action="${SMART_PATH}/logout" class="no-print"><input type="hidden" name="csrf" value="${view.csrfToken}"><button type="submit" class="secondary">Sign out</button></form>
</header>
<main>
${view.notice ? html`<p class="notice" role="status">${view.notice}</p>` : ''}
<p class="muted small">Screened as of ${view.asOf}${view.leukapheresisDate ? html`, leukapheresis ${view.leukapheresisDate}` : ', no leukapheresis date (washouts count back from the screening date)'}.</p>
<nav class="overview" aria-label="Trials">${view.trials.map((t) => overviewCard(t))}</nav>
${view.trials.map((t) => trialSection(t, view, query))}
<footer>${view.generatedBy}. Statuses follow the eligo conventions: for an exclusion, “met” means the excluding condition was not found.</footer>
</main></body></html>`;
}

function banner(view: ReportPageView): SafeHtml | string {
  if (!view.banner) return html`<div class="banner muted">${view.patientReference}</div>`;
  const { name, birthDate, gender } = view.banner;
  return html`<div class="banner"><strong>${name}</strong>${birthDate ? html` · born ${birthDate}` : ''}${gender ? html` · ${gender}` : ''} <span class="muted">${view.patientReference}</span></div>`;
}

function counts(report: EligibilityReport): SafeHtml {
  const by = (s: CriterionResult['status']): number => report.criteria.filter((c) => c.status === s).length;
  return html`<div class="counts"><span>${by('met')} met</span><span>${by('not_met')} not met</span><span>${by('unknown')} unknown</span><span>${by('review')} to review</span>${
    report.summary.awaitingWashout.length > 0 ? html`<span>${report.summary.awaitingWashout.length} awaiting washout</span>` : ''
  }</div>`;
}

function overviewCard(t: TrialView): SafeHtml {
  return html`<a class="card" href="#${anchor(t.trial.id)}"><div><strong>${t.trial.def.title}</strong></div>
<div class="muted small">${t.trial.id}</div>
<div><span class="outcome ${t.report.outcome}" data-outcome="${t.report.outcome}">${OUTCOME_LABEL[t.report.outcome]}</span></div>${counts(t.report)}</a>`;
}

function idList(t: TrialView, ids: readonly string[], extra?: (c: CriterionResult) => SafeHtml | string): SafeHtml {
  return html`<ul>${ids.map((id) => {
    const c = t.report.criteria.find((r) => r.id === id);
    const text = t.trial.byId.get(id)?.text ?? id;
    return html`<li><a href="#${anchor(t.trial.id, id)}">${text}</a>${c && extra ? extra(c) : ''}</li>`;
  })}</ul>`;
}

function attention(t: TrialView): SafeHtml {
  const s = t.report.summary;
  const blocks = s.notMet.filter((id) => !s.awaitingWashout.includes(id));
  const groups: SafeHtml[] = [];
  if (blocks.length) groups.push(html`<div><h3>Rules the patient out</h3>${idList(t, blocks)}</div>`);
  if (s.awaitingWashout.length) {
    groups.push(html`<div><h3>Awaiting washout</h3>${idList(t, s.awaitingWashout, (c) => (c.resolvesOn ? html` <span class="resolves">clears ${c.resolvesOn}</span>` : ''))}</div>`);
  }
  if (s.unknown.length) {
    groups.push(html`<div><h3>Data missing or stale</h3>${idList(t, s.unknown, (c) => (c.missing?.length ? html` <span class="muted">— ${c.missing.join('; ')}</span>` : ''))}</div>`);
  }
  if (s.review.length) groups.push(html`<div><h3>To confirm</h3>${idList(t, s.review)}</div>`);
  return groups.length ? html`<div class="attention">${groups}</div>` : html``;
}

function trialSection(t: TrialView, view: ReportPageView, query: string): SafeHtml {
  return html`<section class="trial" id="${anchor(t.trial.id)}" aria-labelledby="${anchor(t.trial.id)}-h">
<h2 id="${anchor(t.trial.id)}-h">${t.trial.def.title} <span class="outcome ${t.report.outcome}">${OUTCOME_LABEL[t.report.outcome]}</span></h2>
${attention(t)}
${t.trends.length ? html`<div class="charts" aria-label="Trends used by the decision">${t.trends.map((s) => trendChart(s))}</div>` : ''}
${writeBackForm(t, view)}
<table class="criteria"><thead><tr><th>Status</th><th>Criterion</th><th>What the record shows</th></tr></thead>
<tbody>${t.report.criteria.map((c) => criterionRow(t, c, view))}</tbody></table>
${t.report.warnings.length ? html`<details class="small"><summary>${t.report.warnings.length} data warning(s): resources set aside or data the FHIR server could not give</summary><ul>${t.report.warnings.map((w) => html`<li>${w.where}: ${w.message}</li>`)}</ul></details>` : ''}
<p class="small no-print"><a href="${APP_PATH}/api/report${query}&amp;trial=${encodeURIComponent(t.trial.id)}">This report as JSON</a></p>
</section>`;
}

function writeBackForm(t: TrialView, view: ReportPageView): SafeHtml {
  if (!view.writeBack.allowed) return html`<p class="muted small writeback">Write-back: ${view.writeBack.reason}</p>`;
  return html`<form class="writeback" method="post" action="${APP_PATH}/write-back">
<input type="hidden" name="csrf" value="${view.csrfToken}"><input type="hidden" name="trial" value="${t.trial.id}">
<input type="hidden" name="asOf" value="${view.asOf}"><input type="hidden" name="leukapheresis" value="${view.leukapheresisDate ?? ''}">
<button type="submit">Write this result to the EHR</button> <span class="muted small">Records the outcome (${OUTCOME_LABEL[t.report.outcome]}) as a ResearchSubject and a report note; a status a person set is never overwritten.</span>
</form>`;
}

function criterionRow(t: TrialView, c: CriterionResult, view: ReportPageView): SafeHtml {
  const def = t.trial.byId.get(c.id);
  const hint = statusHint(c);
  return html`<tr id="${anchor(t.trial.id, c.id)}" data-criterion="${c.id}" data-status="${c.status}">
<td class="status-cell"><span class="status ${c.status}">${STATUS_LABEL[c.status]}</span>${hint ? html`<div class="muted small">${hint}</div>` : ''}</td>
<td><div>${def?.text ?? c.id}</div><div class="crit-id">${c.id} · ${c.type}${c.manual ? ' · manual' : ''}</div></td>
<td><div class="explanation">${c.explanation}</div>
${c.resolvesOn ? html`<div class="resolves">Washout clears: ${c.resolvesOn}</div>` : ''}
${c.missing?.length ? html`<div><strong>Missing:</strong> ${c.missing.join('; ')}</div>` : ''}
${c.confirm ? html`<div><strong>To confirm:</strong> ${c.confirm}</div>` : ''}
${c.evidence.length ? html`<ul class="evidence">${c.evidence.map((e) => evidenceItem(e, view.fhirBaseUrl))}</ul>` : ''}</td></tr>`;
}

const REFERENCE = /^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}$/;

function evidenceItem(e: EvidenceItem, fhirBaseUrl: string): SafeHtml {
  const value = e.value === undefined ? '' : `${typeof e.value === 'number' ? String(Number(e.value.toPrecision(4))) : e.value}${e.unit ? ` ${unitLabel(e.unit)}` : ''}`;
  // Only a plain "Type/id" becomes a link; anything else is shown as text.
  const href = REFERENCE.test(e.reference) ? safeHref(`${fhirBaseUrl}/${e.reference}`) : undefined;
  const ref = href ? html`<a href="${href}" target="_blank" rel="noopener noreferrer">${e.reference}</a>` : html`<span>${e.reference}</span>`;
  return html`<li>${value ? html`<strong>${value}</strong> ` : ''}${e.date ? html`<span>${e.date}</span> ` : ''}${e.note ? html`<span class="muted">(${e.note})</span> ` : ''}${ref}</li>`;
}
