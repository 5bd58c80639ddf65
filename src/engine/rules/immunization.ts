import type { ImmunizationRule } from '../../mapping/schema';
import type { EvidenceItem } from '../../report/types';
import type { EvalContext } from '../context';
import { dayOf, isoOfDay } from '../dates';
import { result, type RuleResult } from '../result';
import { windowOf } from '../window';
import { confirmTextOnly, factsMatching, matchAny, type MatchKind } from './match';

export interface MatchedImmunization {
  day: number | undefined;
  label: string;
  evidence: EvidenceItem;
  match: MatchKind;
}

export function immunizationsIn(ctx: EvalContext, valueSets: string[]): MatchedImmunization[] {
  if (valueSets.length === 0) return [];
  const out: MatchedImmunization[] = [];
  for (const imm of factsMatching(ctx, 'immunizations matching', ctx.record.immunizations, (i) => i.vaccine, valueSets)) {
    const m = matchAny(ctx, valueSets, imm.vaccine);
    if (!m) continue;
    const day = dayOf(imm.date);
    if (day !== undefined && day > ctx.asOfDay) continue;
    const label = imm.vaccine.text ?? imm.vaccine.codings.find((c) => c.display)?.display ?? m.matched;
    const evidence: EvidenceItem = { reference: imm.reference, value: label };
    if (imm.date) evidence.date = imm.date.slice(0, 10);
    if (m.byText) evidence.note = 'matched by display text, not by code';
    out.push({ day, label, evidence, match: m });
  }
  return out;
}

export function evaluateImmunization(rule: ImmunizationRule, ctx: EvalContext): RuleResult {
  let found = immunizationsIn(ctx, rule.valueSets);
  let where = '';
  const window = windowOf(ctx, rule);
  if (window) {
    found = found.filter((f) => f.day !== undefined && f.day >= window.from && f.day <= window.to);
    where = ` ${window.text}`;
  }
  const names = rule.valueSets.map((v) => ctx.terminology.valueSetDefs.get(v)?.display ?? v).join(' or ');
  if (found.length === 0) return result('false', `no ${names}${where}`);
  const outcome = result('true', `${names}${where}: ${found.map((f) => `${f.label} (${f.day === undefined ? 'undated' : isoOfDay(f.day)})`).join(', ')}`, {
    evidence: found.map((f) => f.evidence),
  });
  return confirmTextOnly(outcome, found.map((f) => f.match), names);
}
