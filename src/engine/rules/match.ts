import type { Concept } from '../../record/types';
import type { ConceptMatch } from '../../mapping/terminology';
import type { EvalContext } from '../context';

/** The first of the value sets that matches the concept. */
export function matchAny(ctx: EvalContext, valueSets: string[], concept: Concept): (ConceptMatch & { valueSet: string }) | undefined {
  for (const key of valueSets) {
    const matcher = ctx.terminology.valueSets.get(key);
    const m = matcher?.match(concept);
    if (m) return { ...m, valueSet: key };
  }
  return undefined;
}

export function valueSetNames(ctx: EvalContext, valueSets: string[]): string {
  return valueSets.map((v) => ctx.terminology.valueSetDefs.get(v)?.display ?? v).join(' or ');
}

export function conceptLabel(concept: Concept, fallback: string): string {
  return concept.text ?? concept.codings.find((c) => c.display)?.display ?? fallback;
}
