import type { AllergyRule } from '../../mapping/schema';
import type { AllergyFact } from '../../record/types';
import type { EvidenceItem } from '../../report/types';
import type { EvalContext } from '../context';
import { result, type RuleResult } from '../result';
import { conceptLabel, matchAny } from './match';

function severity(fact: AllergyFact, ctx: EvalContext, anaphylaxisValueSet: string | undefined): string | undefined {
  if (fact.criticality === 'high') return 'criticality high';
  for (const reaction of fact.reactions) {
    if (reaction.severity === 'severe') return 'severe reaction';
    if (anaphylaxisValueSet) {
      for (const manifestation of reaction.manifestations) {
        if (matchAny(ctx, [anaphylaxisValueSet], manifestation)) return `reaction: ${conceptLabel(manifestation, 'anaphylaxis')}`;
      }
    }
  }
  return undefined;
}

export function evaluateAllergy(rule: AllergyRule, ctx: EvalContext): RuleResult {
  const found: { label: string; evidence: EvidenceItem }[] = [];
  for (const fact of ctx.record.allergies) {
    if (fact.clinicalStatus === 'inactive' || fact.clinicalStatus === 'resolved') continue;
    const concepts = [fact.code, ...fact.reactions.flatMap((r) => (r.substance ? [r.substance] : []))];
    let matched: string | undefined;
    let byText = false;
    if (rule.anyMedication && fact.category.includes('medication')) matched = 'medication allergy';
    if (!matched && rule.valueSets.length > 0) {
      for (const c of concepts) {
        const m = matchAny(ctx, rule.valueSets, c);
        if (m) {
          matched = m.matched;
          byText = m.byText;
          break;
        }
      }
    }
    if (!matched && rule.medicationClasses.length > 0) {
      const ingredients = ctx.terminology.ingredientsOf(concepts);
      const hit = ingredients.find((i) => rule.medicationClasses.some((c) => ctx.terminology.inClass(c, i) || c === i.key));
      if (hit) {
        matched = hit.key || 'medication class';
        byText = hit.byText;
      }
    }
    if (!matched) continue;
    const sev = severity(fact, ctx, rule.anaphylaxisValueSet);
    if (rule.severeOnly && sev === undefined) continue;
    const label = conceptLabel(fact.code, matched);
    const notes = [sev ?? `criticality ${fact.criticality ?? 'not recorded'}`, ...(byText ? ['matched by display text, not by code'] : [])];
    const evidence: EvidenceItem = { reference: fact.reference, value: label, note: notes.join('; ') };
    if (fact.recordedDate) evidence.date = fact.recordedDate.slice(0, 10);
    found.push({ label: `${label} (${notes[0]})`, evidence });
  }
  const what = rule.severeOnly ? 'severe allergy or intolerance' : 'allergy or intolerance';
  if (found.length === 0) return result('false', `no ${what} recorded to the agents concerned`);
  return result('true', `${what}: ${found.map((f) => f.label).join(', ')}`, { evidence: found.map((f) => f.evidence) });
}
