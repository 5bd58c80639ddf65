import { ENCOUNTER_CLASSES, type EncounterRule } from '../../mapping/schema';
import type { Concept, EncounterFact, EncounterReason } from '../../record/types';
import type { EvidenceItem } from '../../report/types';
import type { EvalContext } from '../context';
import { dayOf, lastDayOf } from '../dates';
import { result, type RuleResult } from '../result';
import { windowOf } from '../window';
import { conceptLabel, matchAny, textOnly, valueSetNames } from './match';

/** R4 Encounter.class is bound to v3 ActEncounterCode; these are its system's spellings. */
const ACT_CODE_SYSTEMS = new Set(['http://terminology.hl7.org/CodeSystem/v3-ActCode', 'http://hl7.org/fhir/v3/ActCode', 'urn:oid:2.16.840.1.113883.5.4']);
const ACT_ENCOUNTER_CODES: ReadonlySet<string> = new Set(Object.values(ENCOUNTER_CLASSES).flat());
/** Statuses of a stay that has not ended: it lasts through the as-of date. */
const ONGOING = new Set(['arrived', 'triaged', 'in-progress', 'onleave']);

/** How one stay stands against the rule: it counts, a person confirms it, or what it needs is unknown. */
type Standing = { kind: 'counts' } | { kind: 'review'; why: string } | { kind: 'unknown'; why: string };

interface Stay {
  fact: EncounterFact;
  standing: Standing;
  label: string;
  evidence: EvidenceItem;
}

export function evaluateEncounter(rule: EncounterRule, ctx: EvalContext): RuleResult {
  const window = windowOf(ctx, rule);
  const classCodes = new Set<string>(rule.classes.flatMap((c) => ENCOUNTER_CLASSES[c]));
  const what = stayName(rule, ctx);
  const where = window ? ` ${window.text}` : '';
  const stays: Stay[] = [];

  for (const fact of ctx.record.encounters) {
    const startDay = dayOf(fact.start);
    // Stays after the as-of date are not current data (the gaps say so where it matters).
    if (startDay !== undefined && startDay > ctx.asOfDay) continue;
    const kind = stayKind(fact, rule, classCodes, ctx);
    if (kind.kind === 'no') continue;
    const reason: ReasonMatch = rule.reasons.length === 0 ? { kind: 'yes', standing: { kind: 'counts' } } : stayReason(fact, rule, ctx, what);
    if (reason.kind === 'no') continue;
    let inWindow: Standing = { kind: 'counts' };
    if (window) {
      if (startDay === undefined) {
        inWindow = { kind: 'unknown', why: `${fact.reference} has no period start: when the stay was cannot be told` };
      } else {
        const endDay = fact.end !== undefined ? lastDayOf(fact.end) : ONGOING.has(fact.status) ? ctx.asOfDay : startDay;
        if (startDay > window.to || (endDay ?? startDay) < window.from) continue;
      }
    }
    // Unknown before review: a person cannot confirm what is not there yet.
    const parts = [kind.standing, reason.standing, inWindow, statusStanding(fact)];
    const standing = parts.find((s) => s.kind === 'unknown') ?? parts.find((s) => s.kind === 'review') ?? { kind: 'counts' as const };
    const label = `${reason.label ?? classLabel(fact)} (${fact.start ? fact.start.slice(0, 10) : 'no date'})`;
    const notes = [`class ${fact.class?.code ?? 'not recorded'}`, `status ${fact.status}`, ...(standing.kind === 'counts' ? [] : [standing.why])];
    const evidence: EvidenceItem = { reference: fact.reference, value: reason.label ?? classLabel(fact), note: notes.join('; ') };
    if (fact.start) evidence.date = fact.start.slice(0, 10);
    stays.push({ fact, standing, label, evidence });
  }

  const admissions = distinct(stays);
  const counted = admissions.filter((s) => s.standing.kind === 'counts');
  const toReview = admissions.filter((s) => s.standing.kind === 'review');
  const unknown = admissions.filter((s) => s.standing.kind === 'unknown');
  const need = rule.minCount;
  const needed = need > 1 ? ` (${need} needed)` : '';
  const listed = (list: Stay[]): string => `${list.slice(0, 4).map((s) => s.label).join(', ')}${list.length > 4 ? ` and ${list.length - 4} more` : ''}`;
  const evidence = [...counted, ...toReview, ...unknown].map((s) => s.evidence);
  if (counted.length >= need) {
    return result('true', `${counted.length} ${what}${where}: ${listed(counted)}${needed}`, { evidence: counted.map((s) => s.evidence) });
  }
  const reasonsOf = (list: Stay[]): string[] => [...new Set(list.map((s) => (s.standing.kind === 'counts' ? '' : s.standing.why)))];
  if (counted.length + toReview.length >= need) {
    const confirm = reasonsOf(toReview);
    return result('review', `${what}${where}: ${listed([...counted, ...toReview])}${needed}; to confirm: ${confirm.join('; ')}`, { evidence, confirm });
  }
  if (counted.length + toReview.length + unknown.length >= need) {
    const missing = reasonsOf(unknown);
    return result('unknown', `${what}${where} cannot be told: ${missing.join('; ')}`, { evidence, missing });
  }
  const found = counted.length + toReview.length > 0 ? `only ${counted.length + toReview.length} ${what}${where}: ${listed([...counted, ...toReview])}${needed}` : `no ${what} recorded${where}${needed}`;
  return result('false', found, { evidence });
}

/** "inpatient or emergency stay for Heart failure". */
function stayName(rule: EncounterRule, ctx: EvalContext): string {
  const kinds = [...rule.classes, ...rule.types.map((t) => ctx.terminology.valueSetDefs.get(t)?.display ?? t)].join(' or ');
  return `${kinds} stay${rule.minCount > 1 ? 's' : ''}${rule.reasons.length > 0 ? ` for ${valueSetNames(ctx, rule.reasons)}` : ''}`;
}

function classLabel(fact: EncounterFact): string {
  return fact.class?.display ?? fact.class?.code ?? fact.types[0]?.text ?? 'stay';
}

type KindMatch = { kind: 'no' } | { kind: 'yes'; standing: Standing };

/** Whether the stay is of a kind the rule counts: its class, or one of its types. */
function stayKind(fact: EncounterFact, rule: EncounterRule, classCodes: ReadonlySet<string>, ctx: EvalContext): KindMatch {
  const code = fact.class?.code;
  const readableClass = code !== undefined && (fact.class?.system === undefined || ACT_CODE_SYSTEMS.has(fact.class.system)) && ACT_ENCOUNTER_CODES.has(code);
  if (readableClass && classCodes.has(code)) return { kind: 'yes', standing: { kind: 'counts' } };
  const typeMatches = fact.types.map((t) => matchAny(ctx, rule.types, t)).filter((m) => m !== undefined);
  if (typeMatches.some((m) => !textOnly(m))) return { kind: 'yes', standing: { kind: 'counts' } };
  if (typeMatches.length > 0) {
    return { kind: 'yes', standing: { kind: 'review', why: `${fact.reference} is a stay of type "${typeMatches[0]?.matched ?? ''}" by name only: confirm it is one` } };
  }
  if (!readableClass && rule.classes.length > 0) {
    const sent = code === undefined ? 'no class' : `class "${code}"${fact.class?.system ? ` (${fact.class.system})` : ''}`;
    return { kind: 'yes', standing: { kind: 'review', why: `${fact.reference} has ${sent}, not a v3 ActCode: confirm it was an ${rule.classes.join(' or ')} stay` } };
  }
  return { kind: 'no' };
}

type ReasonMatch = { kind: 'no' } | { kind: 'yes'; standing: Standing; label?: string };

/**
 * Whether the stay was for one of the rule's reasons. A primary reason matched by code decides;
 * a secondary diagnosis or a name-only match is for a person; a reason that could not be read
 * (a reference to data not in the record) leaves it unknown; no reason at all, a person asks.
 */
function stayReason(fact: EncounterFact, rule: EncounterRule, ctx: EvalContext, what: string): ReasonMatch {
  let review: ReasonMatch | undefined;
  let unknown: ReasonMatch | undefined;
  for (const reason of fact.reasons) {
    const concepts = reasonConcepts(reason, ctx);
    if (concepts === 'unread') {
      unknown ??= { kind: 'yes', standing: { kind: 'unknown', why: `the reason for ${fact.reference} could not be read (${reason.unreadable ?? `${reason.reference ?? ''} is not among the patient's data`})` } };
      continue;
    }
    for (const concept of concepts) {
      const m = matchAny(ctx, rule.reasons, concept);
      if (!m) continue;
      const label = conceptLabel(concept, m.matched ?? m.valueSet);
      if (reason.primary && !textOnly(m)) return { kind: 'yes', standing: { kind: 'counts' }, label };
      const why = !reason.primary
        ? `${label} is a secondary diagnosis of ${fact.reference}: confirm the stay was for it`
        : `the reason for ${fact.reference} is recorded only by name ("${m.matched ?? label}"): confirm it is one`;
      review ??= { kind: 'yes', standing: { kind: 'review', why }, label };
    }
  }
  if (review) return review;
  if (unknown) return unknown;
  if (fact.reasons.length === 0) {
    return { kind: 'yes', standing: { kind: 'review', why: `${fact.reference} records no reason: confirm whether it was a ${what}` } };
  }
  return { kind: 'no' };
}

/** The codes a reason stands for: its own concept, or the code of the resource it names; 'unread' when that cannot be had. */
function reasonConcepts(reason: EncounterReason, ctx: EvalContext): Concept[] | 'unread' {
  if (reason.unreadable !== undefined) return 'unread';
  if (reason.concept) return [reason.concept];
  const target = reason.reference;
  if (target === undefined) return [];
  const found = ctx.resolveCode(target);
  if (found !== undefined) return found;
  // A Condition set aside (refuted, entered in error) is no reason; one that is not there at all is unknown.
  return ctx.record.ignored.some((i) => i.reference === target) ? [] : 'unread';
}

function statusStanding(fact: EncounterFact): Standing {
  return fact.status === 'unknown' ? { kind: 'review', why: `${fact.reference} has status unknown: confirm the stay took place` } : { kind: 'counts' };
}

const RANK: Record<Standing['kind'], number> = { counts: 0, review: 1, unknown: 2 };

/**
 * One per admission: a stay that is part of another one found (a ward stay within an admission)
 * is the same admission, and the admission stands as firmly as the firmest of its parts.
 */
function distinct(stays: Stay[]): Stay[] {
  const listed = new Set(stays.map((s) => s.fact.reference));
  const byAdmission = new Map<string, Stay>();
  for (const stay of stays) {
    const admission = stay.fact.partOf !== undefined && listed.has(stay.fact.partOf) ? stay.fact.partOf : stay.fact.reference;
    const best = byAdmission.get(admission);
    if (!best || RANK[stay.standing.kind] < RANK[best.standing.kind]) byAdmission.set(admission, stay);
  }
  return [...byAdmission.values()];
}
