import type { AllergyRule } from '../../mapping/schema';
import type { AllergyFact } from '../../record/types';
import type { EvidenceItem } from '../../report/types';
import type { EvalContext } from '../context';
import { result, type RuleResult } from '../result';
import { canonicalSystem } from '../../mapping/systems';
import type { Concept } from '../../record/types';
import { conceptLabel, confirmTextOnly, matchAny, type MatchKind } from './match';

/** Drug terminologies: a code in one of them is a medication, whatever the allergy's category says. */
const DRUG_SYSTEMS = new Set(['rxnorm', 'atc', 'ndc'].map((s) => canonicalSystem(s)));
/** A value set of drug substances and drug-allergy findings (SNOMED CT), when the mapping has one. */
export const MEDICATION_ALLERGENS = 'medication_allergens';

/** Why an allergy is to a medication: its category, a drug code, a listed ingredient or substance. */
function medicationAllergy(fact: AllergyFact, concepts: Concept[], ctx: EvalContext): MatchKind | undefined {
  if (fact.category.includes('medication')) return { byText: false, matched: 'medication allergy' };
  for (const c of concepts) {
    const coding = c.codings.find((k) => k.code !== undefined && DRUG_SYSTEMS.has(canonicalSystem(k.system)));
    if (coding) return { byText: false, matched: `drug code ${coding.code ?? ''}` };
  }
  const ingredients = ctx.terminology.ingredientsOf(concepts).filter((i) => i.key !== '' || i.atc.length > 0);
  const byCode = ingredients.find((i) => !i.byText);
  if (byCode) return { byText: false, matched: byCode.key || 'medication' };
  if (ctx.terminology.valueSets.has(MEDICATION_ALLERGENS)) {
    for (const c of concepts) {
      const m = matchAny(ctx, [MEDICATION_ALLERGENS], c);
      if (m) return m;
    }
  }
  const byName = ingredients[0];
  return byName ? { byText: true, matched: byName.key } : undefined;
}

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
  const found: { label: string; evidence: EvidenceItem; match: MatchKind }[] = [];
  for (const fact of ctx.record.allergies) {
    if (fact.clinicalStatus === 'inactive' || fact.clinicalStatus === 'resolved') continue;
    const concepts = [fact.code, ...fact.reactions.flatMap((r) => (r.substance ? [r.substance] : []))];
    let matched: string | undefined;
    let byText = false;
    let decisive = false;
    if (rule.anyMedication) {
      // By category or by code: sites often leave `category` out (CONVENTIONS "Allergies").
      const m = medicationAllergy(fact, concepts, ctx);
      if (m) {
        matched = m.matched ?? 'medication allergy';
        byText = m.byText;
        decisive = m.decisive ?? false;
      }
    }
    if (!matched && rule.valueSets.length > 0) {
      for (const c of concepts) {
        const m = matchAny(ctx, rule.valueSets, c);
        if (m) {
          matched = m.matched;
          byText = m.byText;
          decisive = m.decisive ?? false;
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
    found.push({ label: `${label} (${notes[0]})`, evidence, match: { byText, decisive, matched: label } });
  }
  const what = rule.severeOnly ? 'severe allergy or intolerance' : 'allergy or intolerance';
  if (found.length === 0) return result('false', `no ${what} recorded to the agents concerned`);
  const outcome = result('true', `${what}: ${found.map((f) => f.label).join(', ')}`, { evidence: found.map((f) => f.evidence) });
  return confirmTextOnly(outcome, found.map((f) => f.match), what);
}
