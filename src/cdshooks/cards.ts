import type { PatientRecord } from '../record/types';
import { randomUUID } from 'node:crypto';
import type { CompiledTrial } from '../mapping/compile';
import type { EligibilityReport, Outcome } from '../report/types';

export interface CdsCard {
  uuid: string;
  summary: string;
  detail: string;
  indicator: 'info' | 'warning' | 'critical';
  source: { label: string; url?: string };
  links: { label: string; url: string; type: 'absolute' | 'smart'; appContext?: string }[];
}

const OUTCOME_WORDS: Record<Outcome, string> = {
  eligible: 'eligible',
  'potential-candidate': 'potential candidate',
  ineligible: 'ineligible',
};

/** The CDS Hooks limit is "< 140 characters". */
const SUMMARY_MAX = 139;

/**
 * One card per trial the patient may fit (eligible or potential candidate): the summary says
 * which trial, the detail says why (what is met, what data is missing, what to confirm, which
 * washout is pending) and the smart link opens the full report. Ineligible trials get no card:
 * a patient-view hook should not add noise. `info` because an opportunity is not a risk.
 */
/**
 * Whether the patient is in the population the trial is for: a Condition in its candidate value
 * sets (the cohort selection's diagnoses), or anyone when the trial names none. A chart that
 * merely lacks the data to rule a patient out of an unrelated trial gets no card: cards in the
 * EHR are for trials the patient plausibly fits, or clinicians learn to ignore them.
 */
export function inCandidatePopulation(trial: CompiledTrial, record: PatientRecord): boolean {
  const sets = trial.def.candidateValueSets;
  if (sets.length === 0) return true;
  return record.conditions.some((c) => sets.some((key) => trial.terminology.valueSets.get(key)?.match(c.code) !== undefined));
}

export function cardsFor(results: readonly { trial: CompiledTrial; report: EligibilityReport }[], launchUrl: string, sourceUrl: string, record?: PatientRecord): CdsCard[] {
  return results
    .filter((r) => r.report.outcome !== 'ineligible')
    .filter((r) => r.report.outcome === 'eligible' || !record || inCandidatePopulation(r.trial, record))
    .map(({ trial, report }) => ({
      uuid: randomUUID(),
      summary: summary(trial, report.outcome),
      detail: detail(trial, report),
      indicator: 'info' as const,
      source: { label: 'eligo trial screening', url: sourceUrl },
      links: [{ label: 'Open the eligibility report', url: launchUrl, type: 'smart' as const, appContext: JSON.stringify({ trial: trial.id }) }],
    }));
}

function summary(trial: CompiledTrial, outcome: Outcome): string {
  const prefix = `Trial ${OUTCOME_WORDS[outcome]}: `;
  const room = SUMMARY_MAX - prefix.length;
  const title = trial.def.title.length > room ? `${trial.def.title.slice(0, room - 1).trimEnd()}…` : trial.def.title;
  return `${prefix}${title}`;
}

function detail(trial: CompiledTrial, report: EligibilityReport): string {
  const text = (id: string): string => markdown(trial.byId.get(id)?.text ?? id);
  const met = report.criteria.filter((c) => c.status === 'met').length;
  const lines = [
    `**${markdown(OUTCOME_WORDS[report.outcome])}** for *${markdown(trial.def.title)}* (${markdown(trial.id)}), screened as of ${markdown(report.asOf)}: ${met} of ${report.criteria.length} criteria met, none rules the patient out.`,
    '',
  ];
  const washout = report.summary.awaitingWashout;
  if (washout.length) {
    lines.push('Awaiting washout:');
    for (const id of washout) {
      const c = report.criteria.find((r) => r.id === id);
      lines.push(`- ${text(id)}${c?.resolvesOn ? ` (clears ${markdown(c.resolvesOn)})` : ''}`);
    }
  }
  if (report.summary.unknown.length) {
    lines.push('Data missing or stale:');
    for (const id of report.summary.unknown.slice(0, 6)) {
      const c = report.criteria.find((r) => r.id === id);
      lines.push(`- ${text(id)}${c?.missing?.length ? `: ${markdown(c.missing.slice(0, 3).join('; '))}` : ''}`);
    }
    if (report.summary.unknown.length > 6) lines.push(`- and ${report.summary.unknown.length - 6} more`);
  }
  if (report.summary.review.length) lines.push(`To confirm by the study team: ${report.summary.review.length} criteria (consent, investigator judgement and the like).`);
  return lines.join('\n');
}

/** Text into CommonMark without markup: FHIR-derived words cannot add links, images or HTML. */
export function markdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, (c) => `\\${c}`).replace(/\s+/g, ' ');
}
