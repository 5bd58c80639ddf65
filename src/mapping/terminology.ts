import type { Concept, CodingLite } from '../record/types';
import { canonicalCode, canonicalSystem } from './systems';
import type { AnalyteDef, CodeEntry, IngredientDef, TerminologyFile, ValueSetDef } from './schema';

/** How a concept matched: by a code, or only by its text (which the evidence must say). */
export interface ConceptMatch {
  byText: boolean;
  /** The coding or text that matched, for evidence. */
  matched: string;
  /** A text match on a name the mapping marks decisive: it decides like a code. */
  decisive?: boolean;
}

export type NameEntry = string | { name: string; decisive?: boolean };

/**
 * Answers by concept content, kept across patients: the mapping is fixed once compiled, and a
 * population repeats the same few thousand codes. Looked up by the first code (or the text)
 * and then compared field by field with the few concepts of that code seen before (every
 * field matching reads: text, and each coding's system, code and display), which costs less
 * than building a key for each of a patient's thousands of concepts. Bounded, so free text
 * cannot grow it without end: when full it starts again.
 */
class ConceptMemo<V> {
  private byHead = new Map<string | undefined, { concepts: readonly Concept[]; value: V }[]>();
  private size = 0;
  constructor(private readonly limit = 50_000) {}

  /** The answer stored for concepts with this content, if any (a list of one or more concepts). */
  get(concepts: readonly Concept[]): { value: V } | undefined {
    const seen = this.byHead.get(headOf(concepts));
    if (seen) for (const entry of seen) if (sameConcepts(entry.concepts, concepts)) return entry;
    return undefined;
  }

  set(concepts: readonly Concept[], value: V): V {
    if (this.size >= this.limit) this.clear();
    const head = headOf(concepts);
    let seen = this.byHead.get(head);
    if (!seen) this.byHead.set(head, (seen = []));
    // One code written with ever new texts: keep the scan short.
    if (seen.length >= 64) seen.length = 0;
    // A copy: the memo outlives the record the concepts came from.
    seen.push({ concepts: concepts.map(copyConcept), value });
    this.size++;
    return value;
  }

  clear(): void {
    this.byHead = new Map();
    this.size = 0;
  }
}

/**
 * What each asker (a value set's matcher, the analytes) answered about one concept's content,
 * found for a concept object once: a patient's concept is asked about by every value set a rule
 * names, so each question after the first is two weak-map reads, whatever the concept holds.
 * Keyed weakly by asker, so a terminology that is dropped takes its answers with it.
 */
type Answers = WeakMap<object, unknown>;
const answersOfObject = new WeakMap<Concept, Answers>();
const answersOfContent = new ConceptMemo<Answers>(20_000);

function answersOf(concept: Concept): Answers {
  let answers = answersOfObject.get(concept);
  if (!answers) {
    const one = [concept];
    answers = answersOfContent.get(one)?.value ?? answersOfContent.set(one, new WeakMap());
    answersOfObject.set(concept, answers);
  }
  return answers;
}

function headOf(concepts: readonly Concept[]): string | undefined {
  const first = concepts[0];
  return first?.codings[0]?.code ?? first?.text;
}

function sameConcepts(a: readonly Concept[], b: readonly Concept[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!sameConcept(a[i] as Concept, b[i] as Concept)) return false;
  return true;
}

function sameConcept(a: Concept, b: Concept): boolean {
  if (a === b) return true;
  if (a.text !== b.text || a.codings.length !== b.codings.length) return false;
  for (let i = 0; i < a.codings.length; i++) {
    const x = a.codings[i] as CodingLite;
    const y = b.codings[i] as CodingLite;
    if (x.code !== y.code || x.system !== y.system || x.display !== y.display) return false;
  }
  return true;
}

function copyConcept(concept: Concept): Concept {
  const codings = concept.codings.map((c) => {
    const copy: CodingLite = {};
    if (c.system !== undefined) copy.system = c.system;
    if (c.code !== undefined) copy.code = c.code;
    if (c.display !== undefined) copy.display = c.display;
    return copy;
  });
  return concept.text === undefined ? { codings } : { codings, text: concept.text };
}

/** A compiled value set: exact codes in a Set, prefixes and ranges in short lists, names lower-cased. */
export class CodeMatcher {
  private readonly exact = new Set<string>();
  private readonly prefixes: { system: string; prefix: string }[] = [];
  private readonly ranges: { system: string; from: string; to: string }[] = [];
  private readonly excluded: CodeMatcher | undefined;
  readonly names: string[];
  /** Names (lower-cased) whose text match decides by itself. */
  readonly decisiveNames = new Set<string>();
  /**
   * Whether a coding is listed anywhere in the mapping (any value set, its exclusions, any analyte).
   * A concept with such a coding is decided by its code; only concepts whose codes the mapping does
   * not list at all are matched by their text. Set by the Terminology; alone, a set knows its own codes.
   */
  knownElsewhere: (coding: CodingLite) => boolean = () => false;

  constructor(entries: CodeEntry[], names: NameEntry[], exclude: CodeEntry[] = []) {
    for (const entry of entries) this.add(entry);
    this.names = [];
    for (const n of names) {
      const name = (typeof n === 'string' ? n : n.name).toLowerCase();
      this.names.push(name);
      if (typeof n !== 'string' && n.decisive) this.decisiveNames.add(name);
    }
    this.excluded = exclude.length > 0 ? new CodeMatcher(exclude, []) : undefined;
  }

  private add(entry: CodeEntry): void {
    const system = canonicalSystem(entry.system);
    if (entry.code !== undefined) this.exact.add(`${system}|${canonicalCode(system, entry.code)}`);
    if (entry.prefix !== undefined) this.prefixes.push({ system, prefix: canonicalCode(system, entry.prefix) });
    if (entry.range !== undefined) {
      this.ranges.push({ system, from: canonicalCode(system, entry.range[0]), to: canonicalCode(system, entry.range[1]) });
    }
  }

  merge(other: CodeMatcher): void {
    // Answers given before the merge are not this set's any more.
    this.asker = {};
    for (const key of other.exact) this.exact.add(key);
    this.prefixes.push(...other.prefixes);
    this.ranges.push(...other.ranges);
    this.names.push(...other.names);
    for (const name of other.decisiveNames) this.decisiveNames.add(name);
  }

  matchesCoding(coding: CodingLite): boolean {
    if (coding.code === undefined) return false;
    if (this.excluded?.matchesCoding(coding)) return false;
    return this.listsCoding(coding);
  }

  /** The coding is one of this set's codes, prefixes or ranges (exclusions not applied). */
  listsCoding(coding: CodingLite): boolean {
    if (coding.code === undefined) return false;
    const system = canonicalSystem(coding.system);
    const code = canonicalCode(system, coding.code);
    if (this.exact.has(`${system}|${code}`)) return true;
    for (const p of this.prefixes) if (p.system === system && code.startsWith(p.prefix)) return true;
    for (const r of this.ranges) {
      // Ranges are over ICD categories: compare the code's first characters with the bounds.
      if (r.system === system) {
        const head = code.slice(0, r.from.length);
        if (head >= r.from && head <= r.to) return true;
      }
    }
    return false;
  }

  /** Listed here, in this set's exclusions, or anywhere else in the mapping. */
  private known(coding: CodingLite): boolean {
    return this.listsCoding(coding) || (this.excluded?.listsCoding(coding) ?? false) || this.knownElsewhere(coding);
  }

  /**
   * Code match first. The text fallback serves local codes, codes the mapping does not list and
   * text-only data: a concept with a coding the mapping lists somewhere is decided by that code
   * (M34.1 is not "systemic sclerosis, unstated" even though its display contains those words),
   * whatever its system.
   */
  match(concept: Concept): ConceptMatch | undefined {
    // Criteria ask the same value set about the same concept many times per patient, and
    // patients share their codes: answered once per distinct concept.
    const answers = answersOf(concept);
    const cached = answers.get(this.asker) as ConceptMatch | null | undefined;
    if (cached !== undefined) return cached ?? undefined;
    const found = this.matchUncached(concept);
    answers.set(this.asker, found ?? null);
    return found;
  }

  /** Who this set's answers are kept under (see answersOf). */
  private asker: object = {};

  private matchUncached(concept: Concept): ConceptMatch | undefined {
    for (const coding of concept.codings) {
      if (this.matchesCoding(coding)) {
        return { byText: false, matched: `${shortSystem(coding.system)}|${coding.code ?? ''}` };
      }
    }
    if (this.names.length === 0) return undefined;
    if (concept.codings.some((c) => c.code !== undefined && this.known(c))) return undefined;
    const texts: string[] = [];
    if (concept.text) texts.push(concept.text.toLowerCase());
    for (const c of concept.codings) if (c.display) texts.push(c.display.toLowerCase());
    for (const text of texts) {
      if (this.excluded && this.excluded.names.some((n) => containsPhrase(text, n))) continue;
      for (const name of this.names) {
        if (containsPhrase(text, name)) return { byText: true, matched: text, ...(this.decisiveNames.has(name) ? { decisive: true } : {}) };
      }
    }
    return undefined;
  }
}

function containsPhrase(text: string, phrase: string): boolean {
  const at = text.indexOf(phrase);
  if (at < 0) return false;
  // Whole-word match, so "mrss" does not match inside another word.
  const before = at === 0 ? ' ' : text[at - 1];
  const after = at + phrase.length >= text.length ? ' ' : text[at + phrase.length];
  return !/[a-z0-9]/.test(before ?? ' ') && !/[a-z0-9]/.test(after ?? ' ');
}

export function shortSystem(system: string | undefined): string {
  const canonical = canonicalSystem(system);
  const short: Record<string, string> = {
    'http://loinc.org': 'LOINC',
    'http://snomed.info/sct': 'SNOMED',
    'http://hl7.org/fhir/sid/icd-10-cm': 'ICD-10-CM',
    'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
    'http://www.whocc.no/atc': 'ATC',
    'http://hl7.org/fhir/sid/cvx': 'CVX',
    'http://www.orpha.net': 'ORPHA',
  };
  return short[canonical] ?? canonical;
}

export interface CompiledAnalyte {
  key: string;
  def: AnalyteDef;
  matcher: CodeMatcher;
}

export interface CompiledIngredient {
  key: string;
  def: IngredientDef;
  /** Product code -> strength in mg per unit. */
  strengths: Map<string, number>;
}

/**
 * The terminology compiled once: lookups from a coding to analytes and ingredients are
 * hash-map hits, because screening thousands of patients calls them for every resource.
 */
export class Terminology {
  readonly analytes = new Map<string, CompiledAnalyte>();
  readonly valueSets = new Map<string, CodeMatcher>();
  readonly valueSetDefs = new Map<string, ValueSetDef>();
  readonly ingredients = new Map<string, CompiledIngredient>();
  /** class key -> ingredient keys (classes flattened). */
  readonly classMembers = new Map<string, Set<string>>();
  readonly classAtcPrefixes = new Map<string, string[]>();
  readonly classDisplay = new Map<string, string>();
  /** "system|code" -> analyte keys */
  private readonly analyteByCode = new Map<string, string[]>();
  private readonly analytesWithNames: CompiledAnalyte[] = [];
  /** "system|code" -> ingredient keys */
  private readonly ingredientByCode = new Map<string, string[]>();
  private readonly ingredientNames: { name: string; key: string }[] = [];

  constructor(file: TerminologyFile) {
    for (const [key, def] of Object.entries(file.analytes)) {
      const compiled = { key, def, matcher: new CodeMatcher(def.codes, def.names) };
      this.analytes.set(key, compiled);
      for (const entry of def.codes) {
        if (entry.code === undefined) continue;
        const system = canonicalSystem(entry.system);
        this.analyteSystems.add(system);
        push(this.analyteByCode, `${system}|${canonicalCode(system, entry.code)}`, key);
      }
      if (def.names.length > 0) this.analytesWithNames.push(compiled);
    }
    for (const [key, def] of Object.entries(file.valueSets)) {
      this.valueSetDefs.set(key, def);
      const matcher = new CodeMatcher(def.codes, [...def.names, ...def.decisiveNames.map((name) => ({ name, decisive: true }))], def.exclude);
      matcher.knownElsewhere = (coding) => this.isListed(coding);
      this.valueSets.set(key, matcher);
      this.listed.push(new CodeMatcher([...def.codes, ...def.exclude], []));
    }
    // Includes are resolved after all sets exist, so file order does not matter.
    for (const [key, def] of Object.entries(file.valueSets)) {
      for (const included of collectIncludes(key, file.valueSets)) {
        const target = this.valueSets.get(key);
        const source = this.valueSets.get(included);
        if (target && source && included !== key) target.merge(source);
      }
      void def;
    }
    for (const [key, def] of Object.entries(file.ingredients)) {
      const strengths = new Map<string, number>();
      const rx = canonicalSystem('rxnorm');
      for (const code of def.rxnorm) push(this.ingredientByCode, `${rx}|${code}`, key);
      for (const code of def.atc) push(this.ingredientByCode, `${canonicalSystem('atc')}|${code}`, key);
      for (const product of def.products) {
        const system = canonicalSystem(product.system);
        push(this.ingredientByCode, `${system}|${product.code}`, key);
        if (product.strengthMg !== undefined) strengths.set(`${system}|${product.code}`, product.strengthMg);
      }
      for (const name of def.names) this.ingredientNames.push({ name: name.toLowerCase(), key });
      this.ingredientNames.push({ name: def.display.toLowerCase(), key });
      this.ingredients.set(key, { key, def, strengths });
    }
    for (const [key, def] of Object.entries(file.medicationClasses)) {
      this.classDisplay.set(key, def.display);
      const members = new Set<string>();
      const atc: string[] = [];
      collectClass(key, file, members, atc, new Set());
      this.classMembers.set(key, members);
      this.classAtcPrefixes.set(key, atc);
    }
  }

  /** Every value set's codes and exclusions, for "is this code listed anywhere in the mapping". */
  private readonly listed: CodeMatcher[] = [];

  /** The coding is listed in some value set (or its exclusions) or analyte of the mapping. */
  isListed(coding: CodingLite): boolean {
    if (coding.code === undefined) return false;
    const system = canonicalSystem(coding.system);
    const key = `${system}|${canonicalCode(system, coding.code)}`;
    // Asked for every coding against every value set: answered once per code (the mapping is fixed once compiled).
    let listed = this.listedMemo.get(key);
    if (listed === undefined) {
      listed = this.analyteByCode.has(key) || this.listed.some((m) => m.listsCoding(coding));
      if (this.listedMemo.size >= 50_000) this.listedMemo.clear();
      this.listedMemo.set(key, listed);
    }
    return listed;
  }

  private readonly listedMemo = new Map<string, boolean>();

  /** Who the analyte answers are kept under (see answersOf). */
  private readonly analyteAsker = {};
  private readonly ingredientMemo = new ConceptMemo<{ key: string; byText: boolean; atc: string[] }[]>();
  /** Systems analytes are coded in (LOINC, local): a coding in one of them is never re-read by its name. */
  private readonly analyteSystems = new Set<string>();

  /** Analyte keys a concept belongs to; by code, else by a known name (marked as text). */
  analytesOf(concept: Concept): readonly { key: string; byText: boolean }[] {
    const answers = answersOf(concept);
    let found = answers.get(this.analyteAsker) as { key: string; byText: boolean }[] | undefined;
    if (!found) {
      found = this.analytesOfUncached(concept);
      answers.set(this.analyteAsker, found);
    }
    return found;
  }

  private analytesOfUncached(concept: Concept): { key: string; byText: boolean }[] {
    const found: { key: string; byText: boolean }[] = [];
    for (const coding of concept.codings) {
      if (coding.code === undefined) continue;
      const system = canonicalSystem(coding.system);
      const keys = this.analyteByCode.get(`${system}|${canonicalCode(system, coding.code)}`);
      if (keys) for (const key of keys) if (!found.some((f) => f.key === key)) found.push({ key, byText: false });
    }
    if (found.length > 0 || this.analytesWithNames.length === 0) return found;
    if (concept.codings.some((c) => c.code !== undefined && this.analyteSystems.has(canonicalSystem(c.system)))) return found;
    const texts = [concept.text, ...concept.codings.map((c) => c.display)].filter((t): t is string => !!t).map((t) => t.toLowerCase());
    for (const analyte of this.analytesWithNames) {
      if (analyte.matcher.names.some((name) => texts.some((text) => containsPhrase(text, name)))) found.push({ key: analyte.key, byText: true });
    }
    return found;
  }

  /** Ingredient keys of a medication concept (product, ingredient or ATC code), else by name. */
  ingredientsOf(concepts: readonly Concept[]): readonly { key: string; byText: boolean; atc: string[] }[] {
    return this.ingredientMemo.get(concepts)?.value ?? this.ingredientMemo.set(concepts, this.ingredientsOfUncached(concepts));
  }

  private ingredientsOfUncached(concepts: readonly Concept[]): { key: string; byText: boolean; atc: string[] }[] {
    const found = new Map<string, { key: string; byText: boolean; atc: string[] }>();
    const atcCodes: string[] = [];
    for (const concept of concepts) {
      for (const coding of concept.codings) {
        if (coding.code === undefined) continue;
        const system = canonicalSystem(coding.system);
        if (system === canonicalSystem('atc')) atcCodes.push(coding.code);
        const keys = this.ingredientByCode.get(`${system}|${coding.code}`);
        if (keys) for (const key of keys) found.set(key, { key, byText: false, atc: [] });
      }
    }
    if (found.size === 0) {
      for (const concept of concepts) {
        const texts = [concept.text, ...concept.codings.map((c) => c.display)].filter((t): t is string => !!t);
        for (const text of texts) {
          const lower = text.toLowerCase();
          for (const { name, key } of this.ingredientNames) {
            if (!found.has(key) && containsPhrase(lower, name)) found.set(key, { key, byText: true, atc: [] });
          }
        }
      }
    }
    const result = [...found.values()];
    if (atcCodes.length > 0) result.push({ key: '', byText: false, atc: atcCodes });
    return result;
  }

  /** Strength in mg per unit of a product code, across ingredients. */
  strengthOf(concepts: Concept[], ingredientKey: string): number | undefined {
    const ingredient = this.ingredients.get(ingredientKey);
    if (!ingredient) return undefined;
    for (const concept of concepts) {
      for (const coding of concept.codings) {
        if (coding.code === undefined) continue;
        const s = ingredient.strengths.get(`${canonicalSystem(coding.system)}|${coding.code}`);
        if (s !== undefined) return s;
      }
    }
    return undefined;
  }

  inClass(classKey: string, match: { key: string; atc: string[] }): boolean {
    if (match.key !== '' && this.classMembers.get(classKey)?.has(match.key)) return true;
    const prefixes = this.classAtcPrefixes.get(classKey) ?? [];
    return match.atc.some((code) => prefixes.some((p) => code.startsWith(p)));
  }
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) {
    if (!list.includes(value)) list.push(value);
  } else map.set(key, [value]);
}

function collectIncludes(key: string, sets: Record<string, ValueSetDef>, seen = new Set<string>()): string[] {
  if (seen.has(key)) return [];
  seen.add(key);
  const def = sets[key];
  if (!def) return [];
  const out: string[] = [];
  for (const inc of def.include) {
    out.push(inc, ...collectIncludes(inc, sets, seen));
  }
  return out;
}

function collectClass(key: string, file: TerminologyFile, members: Set<string>, atc: string[], seen: Set<string>): void {
  if (seen.has(key)) return;
  seen.add(key);
  const def = file.medicationClasses[key];
  if (!def) {
    // A class may name an ingredient directly.
    if (file.ingredients[key]) members.add(key);
    return;
  }
  for (const ingredient of def.ingredients) {
    if (file.ingredients[ingredient]) members.add(ingredient);
    else collectClass(ingredient, file, members, atc, seen);
  }
  atc.push(...def.atcPrefixes);
  for (const inc of def.include) collectClass(inc, file, members, atc, seen);
}
