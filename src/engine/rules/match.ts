import type { Concept } from '../../record/types';
import type { ConceptMatch } from '../../mapping/terminology';
import type { EvalContext } from '../context';
import type { RuleResult } from '../result';

const NONE: readonly never[] = Object.freeze([]);

/**
 * The facts that one of the value sets matches, in record order: the only ones a rule over
 * those value sets goes on to read (`matchAny` still says how each matched). Which facts a
 * value set matches is a view of the record shared by every rule and trial (`what` names the
 * fact list, e.g. "conditions matching"), and most value sets match none of a patient's facts.
 */
export function factsMatching<T>(ctx: EvalContext, what: string, facts: readonly T[], conceptOf: (fact: T) => Concept | undefined, valueSets: readonly string[]): readonly T[] {
  if (facts.length === 0 || valueSets.length === 0) return NONE;
  const sets: ReadonlySet<T>[] = [];
  for (const key of valueSets) {
    const hits = ctx.shared(what, key, () => {
      const matcher = ctx.terminology.valueSets.get(key);
      const found = new Set<T>();
      if (matcher) {
        for (const fact of facts) {
          const concept = conceptOf(fact);
          if (concept && matcher.match(concept)) found.add(fact);
        }
      }
      return found;
    });
    if (hits.size > 0) sets.push(hits);
  }
  if (sets.length === 0) return NONE;
  return facts.filter((fact) => sets.some((hits) => hits.has(fact)));
}

/** The value sets' display names, as explanations name them (once per rule's list). */
export function valueSetNames(ctx: EvalContext, valueSets: string[]): string {
  let byList = valueSetNamesMemo.get(ctx.terminology);
  if (!byList) valueSetNamesMemo.set(ctx.terminology, (byList = new WeakMap()));
  let names = byList.get(valueSets);
  if (names === undefined) {
    names = valueSets.map((v) => ctx.terminology.valueSetDefs.get(v)?.display ?? v).join(' or ');
    byList.set(valueSets, names);
  }
  return names;
}

const valueSetNamesMemo = new WeakMap<object, WeakMap<readonly string[], string>>();

/** The first of the value sets that matches the concept. */
export function matchAny(ctx: EvalContext, valueSets: string[], concept: Concept): (ConceptMatch & { valueSet: string }) | undefined {
  for (const key of valueSets) {
    const matcher = ctx.terminology.valueSets.get(key);
    const m = matcher?.match(concept);
    if (m) return { ...m, valueSet: key };
  }
  return undefined;
}

export function conceptLabel(concept: Concept, fallback: string): string {
  return concept.text ?? concept.codings.find((c) => c.display)?.display ?? fallback;
}

/** How a record matched, as far as "does a person need to confirm it" goes. */
export interface MatchKind {
  byText: boolean;
  decisive?: boolean;
  /** The text that matched, for the confirmation request. */
  matched?: string;
}

/** Matched by a name alone, which the mapping does not mark decisive. */
export function textOnly(m: MatchKind): boolean {
  return m.byText && !m.decisive;
}

/**
 * A finding shown only by names (code.text, coding.display) of codes the mapping does not list
 * is data a person confirms, not a decision: true becomes review, unless a code (or a name the
 * mapping marks decisive) also shows it.
 */
export function confirmTextOnly(outcome: RuleResult, matches: MatchKind[], what: string): RuleResult {
  if (outcome.truth !== 'true' || matches.length === 0 || !matches.every(textOnly)) return outcome;
  const texts = [...new Set(matches.map((m) => m.matched).filter((t): t is string => !!t))].slice(0, 3);
  const reason = `${what} recorded only by name, not by a listed code${texts.length > 0 ? ` ("${texts.join('", "')}")` : ''}: confirm it is one`;
  return { ...outcome, truth: 'review', confirm: [...outcome.confirm, reason], explanation: `${outcome.explanation} (to confirm: ${reason})` };
}
