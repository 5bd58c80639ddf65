import type { CompiledTrial } from '../mapping/compile';
import type { CriterionDef } from '../mapping/schema';
import type { PatientRecord } from '../record/types';
import type { CriterionResult, EligibilityReport, Outcome } from '../report/types';
import { EvalContext, type EvaluationOptions } from './context';
import { evaluateRule, truthToStatus } from './evaluate-rule';
import { dayOf } from './dates';
import { result, type RuleResult } from './result';

export type { EvaluationOptions } from './context';

export interface EngineInfo {
  /** The service version stamped on reports. */
  version: string;
}

function evaluateCriterionRule(criterion: CriterionDef, ctx: EvalContext): RuleResult {
  const r = evaluateRule(criterion.rule, ctx);
  // A "(manual)" criterion is a person's to sign off, except where its data rule already rules
  // the patient out (false: exclusions are written as `not`, so false is "excluded" for them too):
  // a person need not confirm what cannot change the outcome. `kind: manual` never rules out.
  if (criterion.manual && r.truth === 'false' && criterion.rule.kind !== 'manual') {
    return { ...r, explanation: `${r.explanation} (manual criterion, but the data already rules the patient out)` };
  }
  if (criterion.manual && r.truth !== 'review') {
    return result('review', `${r.explanation} (manual criterion: confirm)`, { evidence: r.evidence, confirm: [criterion.text] });
  }
  return r;
}

function toCriterionResult(criterion: CriterionDef, r: RuleResult): CriterionResult {
  const status = truthToStatus(r.truth);
  const out: CriterionResult = {
    id: criterion.id,
    type: criterion.type,
    status,
    explanation: firstLine(r.explanation),
    evidence: dedupeEvidence(r.evidence),
  };
  if (status === 'not_met' && r.resolvesOn) out.resolvesOn = r.resolvesOn;
  if (status === 'unknown') out.missing = unique(r.missing.length > 0 ? r.missing : [r.explanation]);
  if (status === 'review') out.confirm = unique(r.confirm.length > 0 ? r.confirm : [r.explanation]).join('; ');
  if (criterion.manual) out.manual = true;
  return out;
}

/** Whitespace that firstLine would change: any but a single inner space. */
const UNEVEN_SPACE = /[^\S ]| {2}|^ | $/;

function firstLine(text: string): string {
  // Most explanations are already one line; testing is much cheaper than replacing.
  const line = UNEVEN_SPACE.test(text) ? text.replace(/\s+/g, ' ').trim() : text;
  return line.length > 600 ? `${line.slice(0, 597)}...` : line;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function dedupeEvidence(items: CriterionResult['evidence']): CriterionResult['evidence'] {
  if (items.length < 2) return [...items];
  const seen = new Set<string>();
  const out: CriterionResult['evidence'] = [];
  for (const item of items) {
    const key = `${item.reference}|${String(item.value)}|${item.note ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(item);
  }
  return out;
}

/** The patient's outcome from the criterion statuses (CONVENTIONS.md "Outcome for the patient"). */
export function outcomeOf(criteria: CriterionResult[]): Outcome {
  if (criteria.some((c) => c.status === 'not_met' && c.resolvesOn === undefined)) return 'ineligible';
  const decided = criteria.every((c) => c.status === 'met' || (c.manual === true && c.status === 'review'));
  return decided ? 'eligible' : 'potential-candidate';
}

/**
 * What the Patient record itself decides (CONVENTIONS.md "The patient"): a patient recorded as
 * deceased is ineligible whatever the criteria say; one whose linked records (Patient.link)
 * were not read is at best a potential candidate, since the other record may hold what rules
 * them out.
 */
function patientVerdict(record: PatientRecord, asOfDay: number): { outcome?: Outcome; cap?: Outcome; reasons: string[] } {
  const reasons: string[] = [];
  let outcome: Outcome | undefined;
  const deathDay = dayOf(record.deceasedDate);
  if (record.deceased === true && (deathDay === undefined || deathDay <= asOfDay)) {
    outcome = 'ineligible';
    reasons.push(record.deceasedDate ? `the patient is recorded as deceased (${record.deceasedDate.slice(0, 10)})` : 'the patient is recorded as deceased');
  }
  const unread = record.links.filter((l) => !record.linksRead.includes(l.reference));
  let cap: Outcome | undefined;
  if (unread.length > 0) {
    cap = 'potential-candidate';
    reasons.push(`the record links to ${unread.map((l) => `${l.reference} (${l.type})`).join(', ')}, whose data was not read`);
  }
  return { ...(outcome ? { outcome } : {}), ...(cap ? { cap } : {}), reasons };
}

/**
 * Evaluate every criterion of a compiled trial for one patient. Pure: no I/O, no clock —
 * the as-of date is an argument.
 */
export function evaluate(trial: CompiledTrial, record: PatientRecord, options: EvaluationOptions, info: EngineInfo): EligibilityReport {
  const ctx = new EvalContext(trial, record, options, evaluateCriterionRule);
  const criteria = trial.criteria.map((c) => toCriterionResult(c, ctx.criterionResult(c.id)));
  const patient = patientVerdict(record, ctx.asOfDay);
  const fromCriteria = outcomeOf(criteria);
  const outcome = patient.outcome ?? (patient.cap !== undefined && fromCriteria === 'eligible' ? patient.cap : fromCriteria);
  const report: EligibilityReport = {
    trial: trial.id,
    trialVersion: trial.def.version,
    patient: record.patientReference,
    asOf: options.asOf,
    outcome,
    ...(patient.reasons.length > 0 ? { outcomeReasons: patient.reasons } : {}),
    criteria,
    summary: {
      notMet: criteria.filter((c) => c.status === 'not_met' && c.resolvesOn === undefined).map((c) => c.id),
      unknown: criteria.filter((c) => c.status === 'unknown').map((c) => c.id),
      review: criteria.filter((c) => c.status === 'review').map((c) => c.id),
      awaitingWashout: criteria.filter((c) => c.status === 'not_met' && c.resolvesOn !== undefined).map((c) => c.id),
    },
    warnings: record.warnings.map((w) => ({ where: w.where, message: w.message })),
    generator: { name: 'eligo', version: info.version },
  };
  if (options.leukapheresisDate) report.leukapheresisDate = options.leukapheresisDate;
  return report;
}
