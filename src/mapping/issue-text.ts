import leven from 'leven';
import { z } from 'zod';

/** The closest of `candidates` to a misspelled `word`, when it is close enough to be a typo. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  // Read twice below; an iterator (Map keys) would be spent by the first pass.
  const names = [...candidates];
  let best: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = leven(word.toLowerCase(), name.toLowerCase());
    if (distance < (best?.distance ?? Number.POSITIVE_INFINITY)) best = { name, distance };
  }
  // The same but for case ("onsetAtleast" for "onsetAtLeast").
  const sameButCase = names.find((name) => name !== word && name.toLowerCase() === word.toLowerCase());
  if (sameButCase !== undefined) return sameButCase;
  // A third of the word, at least one edit and at most three: "analyt" -> "analyte", not "id" -> "in".
  if (best && best.distance > 0 && best.distance <= Math.min(3, Math.max(1, Math.floor(word.length / 3)))) return best.name;
  // A short name for a longer key ("qmg" for "qmg_total"): the one key it begins.
  if (word.length < 3) return undefined;
  const lower = word.toLowerCase();
  const longer = names.filter((name) => name.toLowerCase().startsWith(lower) && name.length > word.length);
  if (longer.length === 1) return longer[0];
  // A longer name for a key it begins with ("rheumatoid_arthritis_any" for "rheumatoid_arthritis"): the longest such key.
  const shorter = names.filter((name) => name.length >= 4 && name.length < word.length && lower.startsWith(name.toLowerCase())).sort((a, b) => b.length - a.length);
  return shorter[0];
}

export function didYouMean(word: string, candidates: Iterable<string>): string {
  const match = closest(word, candidates);
  return match ? `; did you mean "${match}"?` : '';
}

/**
 * The field meant by an unknown key: the nearest known one, or, for a key other rules take
 * ("classes" on an allergy rule), the longer field here that ends in it ("medicationClasses").
 */
function suggestField(key: string, known: Set<string>): string {
  if (known.has(key) && key.length > 0) {
    const tail = `${key.charAt(0).toUpperCase()}${key.slice(1)}`;
    const longer = [...known].filter((name) => name.endsWith(tail));
    if (longer.length > 0) return `; did you mean ${longer.map((name) => `"${name}"`).join(' or ')}?`;
  }
  return didYouMean(key, known);
}

/** Every field name the mapping schemas know, for suggestions on unknown keys. */
export function fieldNames(schema: z.ZodType): Set<string> {
  const names = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (record.properties && typeof record.properties === 'object') for (const key of Object.keys(record.properties)) names.add(key);
    Object.values(record).forEach(walk);
  };
  walk(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', cycles: 'ref' }));
  return names;
}

/** What a field wants, for an unknown key inside it ("unit" in a dose, which is always in mg). */
const FIELD_HINTS: Record<string, string> = {
  doseMgPerDay: 'a daily dose is in mg: { op, value } with the value in mg (1.5 g a day is 1500)',
  prednisoneMgPerDay: 'a prednisone-equivalent dose is in mg a day: { op, value } with the value in mg',
};

/** The accepted forms of the unions a person writes by hand, named in their error. */
const FORMS: Record<string, string> = {
  compare: '{ op, value, unit } (a threshold in a UCUM unit), { op, uln } (× upper limit of normal), { is: below_range | above_range | positive | negative }, or { titerAtLeast: "1:80" }',
};

type Issue = z.core.$ZodIssue;

/**
 * A zod issue as a person fixing YAML needs it: what is wrong with which field and what to
 * write instead — the nearest form of a union with what it lacks, the nearest known name for an
 * unknown key or kind, `"false"` in quotes where a string is wanted.
 */
export function issueMessage(issue: Issue, known: Set<string>, valueAt: (path: PropertyKey[]) => unknown = () => undefined): string {
  if (issue.code === 'unrecognized_keys') {
    // "reason: a, b" in a flow mapping ({ ... }) ends the value at the comma and reads "b" as a key.
    const hint = FIELD_HINTS[String(issue.path[issue.path.length - 1] ?? '')];
    const unknown = issue.keys.map((key) => `unknown field "${key}"${/\s/.test(key) ? ' (a comma inside an unquoted value ends it: put the value in quotes)' : suggestField(key, known)}`).join('; ');
    return hint ? `${unknown}: ${hint}` : unknown;
  }
  if (issue.code === 'invalid_union') {
      const field = String(issue.path[issue.path.length - 1] ?? '');
      if ('discriminator' in issue && Array.isArray((issue as { options?: unknown }).options)) {
        const options = (issue as unknown as { options: string[] }).options;
        return `unknown ${field || 'kind'}${didYouMean(String(valueAt(issue.path) ?? ''), options)}; one of ${options.join(', ')}`;
      }
      const branches = (issue.errors ?? []).filter((b) => b.length > 0);
      const nearest = [...branches].sort((a, b) => a.length - b.length)[0];
      const forms = FORMS[field] ? `; ${field} is one of ${FORMS[field]}` : '';
      if (!nearest) return `${issue.message}${forms}`;
      const missing = nearest.filter((i) => i.code === 'invalid_type' && /received undefined/.test(i.message)).map((i) => String(i.path[0]));
      if (missing.length === nearest.length) return `${field || 'this'} is missing ${missing.map((m) => `"${m}"`).join(', ')}${forms}`;
      return `${nearest.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${issueMessage(i, known, (p) => valueAt([...issue.path, ...p]))}`).join('; ')}${forms}`;
  }
  if (issue.code === 'invalid_value') {
      const values = issue.values.map(String);
      const got = (issue as { input?: unknown }).input;
      if (typeof got !== 'string' && got !== undefined && values.includes(String(got))) return `write "${String(got)}" in quotes: a string, one of ${values.map((v) => `"${v}"`).join(', ')}`;
      // "=>" for ">=": the same signs the other way round.
      const reversed = typeof got === 'string' ? [...got].reverse().join('') : undefined;
      if (reversed !== undefined && reversed !== got && values.includes(reversed)) return `${issue.message}; did you mean "${reversed}"?`;
      return `${issue.message}${typeof got === 'string' ? didYouMean(got, values) : ''}`;
  }
  if (issue.code === 'invalid_type' && issue.expected === 'array') {
    // "valueSets: cns_disease": one name where a list of names is read.
    const got = (issue as { input?: unknown }).input ?? valueAt(issue.path);
    if (typeof got === 'string' || typeof got === 'number') return `a list is wanted here, even of one: write [${String(got)}]`;
  }
  return issue.message;
}
