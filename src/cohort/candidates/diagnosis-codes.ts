import { EligoError } from '../../errors/eligo-error';
import type { CompiledTrial } from '../../mapping/compile';
import type { CodeEntry } from '../../mapping/schema';
import { canonicalCode, canonicalSystem } from '../../mapping/systems';

export interface CodePrefix {
  system: string;
  /** As the mapping writes it ("M32.1", "M34"). */
  prefix: string;
}

/** What a trial's candidateValueSets ask the server for. */
export interface DiagnosisQuery {
  /** Codes searched exactly: `system|code`. */
  codes: { system: string; code: string }[];
  /** ICD categories and subcategories: searched with `code:below`, or expanded where the server has no `:below`. */
  prefixes: CodePrefix[];
  /** Phrases a site may send as text only (value set `names`), for `code:text` searches. */
  names: string[];
}

/**
 * The codes, prefixes and names of the trial's candidate value sets, `include`d sets followed.
 * Exclusions are not subtracted: the search picks a superset and screening judges each
 * Condition (drug-induced lupus is still ruled out by the criteria).
 */
export function diagnosisQuery(trial: CompiledTrial): DiagnosisQuery {
  const defs = trial.terminology.valueSetDefs;
  const query: DiagnosisQuery = { codes: [], prefixes: [], names: [] };
  const seen = new Set<string>();
  const visit = (key: string): void => {
    if (seen.has(key)) return;
    seen.add(key);
    const def = defs.get(key);
    // Compile-time checks make this unreachable; fail closed rather than search for nothing.
    if (!def) throw new EligoError('ERR_MAPPING_INVALID', `trial ${trial.id} names an unknown candidate value set "${key}"`, { where: trial.file });
    for (const entry of def.codes) addEntry(query, entry, trial);
    query.names.push(...def.names.map((n) => (typeof n === 'string' ? n : n.name)), ...def.decisiveNames);
    for (const included of def.include) visit(included);
  };
  for (const key of trial.def.candidateValueSets) visit(key);
  return {
    codes: uniqueBy(query.codes, (c) => `${c.system}|${c.code}`),
    prefixes: uniqueBy(query.prefixes, (p) => `${p.system}|${canonicalCode(p.system, p.prefix)}`),
    names: [...new Set(query.names.map((n) => n.toLowerCase()))],
  };
}

function addEntry(query: DiagnosisQuery, entry: CodeEntry, trial: CompiledTrial): void {
  const system = canonicalSystem(entry.system);
  if (entry.code !== undefined) query.codes.push({ system, code: entry.code });
  if (entry.prefix !== undefined) query.prefixes.push({ system, prefix: entry.prefix });
  if (entry.range !== undefined) {
    for (const category of icdCategories(entry.range[0], entry.range[1], trial)) query.prefixes.push({ system, prefix: category });
  }
}

const CATEGORY = /^[A-Z]\d\d$/;

/** An inclusive range of ICD categories ("M30".."M36") as the categories it spans. */
export function icdCategories(from: string, to: string, trial: CompiledTrial): string[] {
  const a = from.trim().toUpperCase();
  const b = to.trim().toUpperCase();
  if (!CATEGORY.test(a) || !CATEGORY.test(b) || a > b) {
    // A range the search cannot spell out would silently select nobody: refuse it instead.
    throw new EligoError('ERR_MAPPING_INVALID', `candidate range ${from}..${to} of trial ${trial.id} is not a range of ICD categories (e.g. M30..M36)`, {
      where: trial.file,
    });
  }
  const out: string[] = [];
  for (let letter = a.charCodeAt(0); letter <= b.charCodeAt(0); letter++) {
    for (let n = 0; n <= 99; n++) {
      const category = `${String.fromCharCode(letter)}${String(n).padStart(2, '0')}`;
      if (category >= a && category <= b) out.push(category);
    }
  }
  return out;
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}
