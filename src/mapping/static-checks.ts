import { convertQuantity } from '../units/convert';
import { formatPath, type LoadedMappings, type LoadedTrial, type MappingIssue } from './load';
import type { AnalyteDef, LabRule, Rule } from './schema';
import type { Terminology } from './terminology';

/**
 * Checks in the spirit of OHDSI Circe's: mistakes that validate as YAML but make a criterion
 * meaningless. Value sets that can match nothing; an age range or a pair of thresholds on the
 * same latest result inside one `all` that no value can satisfy (the criterion could never be met).
 */
export function checkEmptyValueSets(mappings: LoadedMappings): MappingIssue[] {
  const issues: MappingIssue[] = [];
  for (const [key, def] of Object.entries(mappings.terminology.valueSets)) {
    if (def.codes.length === 0 && def.names.length === 0 && def.decisiveNames.length === 0 && def.include.length === 0) {
      issues.push({ file: mappings.terminologySources.get(`valueSets.${key}`) ?? mappings.dir, path: `valueSets.${key}`, message: 'the value set lists no codes, names or included value sets: it can match nothing' });
    }
  }
  return issues;
}

type Bound = { op: '<' | '<=' | '>' | '>='; value: number };

/** The interval a set of bounds leaves open, or undefined when it is empty. */
function feasible(bounds: Bound[]): boolean {
  let low = Number.NEGATIVE_INFINITY;
  let lowOpen = true;
  let high = Number.POSITIVE_INFINITY;
  let highOpen = true;
  for (const b of bounds) {
    if (b.op === '>' || b.op === '>=') {
      if (b.value > low || (b.value === low && b.op === '>')) {
        low = b.value;
        lowOpen = b.op === '>';
      }
    } else if (b.value < high || (b.value === high && b.op === '<')) {
      high = b.value;
      highOpen = b.op === '<';
    }
  }
  return low < high || (low === high && !lowOpen && !highOpen);
}

export function checkContradictions(trial: LoadedTrial, terminology: Terminology): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const push = (at: (string | number)[], message: string): void => {
    issues.push({ file: trial.file, path: formatPath(at), line: trial.locate(at), message });
  };
  const visit = (rule: Rule, at: (string | number)[]): void => {
    if (rule.kind === 'age' && rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) push(at, `age min ${rule.min} is more than max ${rule.max}: the criterion could never be met`);
    if (rule.kind === 'all') {
      // The latest result of one analyte, compared twice: the thresholds must leave some value.
      const byAnalyte = new Map<string, Bound[]>();
      for (const part of rule.of) {
        if (part.kind !== 'lab' || part.select !== 'latest' || !('unit' in part.compare)) continue;
        const bound = inAnalyteUnit(part, terminology);
        if (!bound) continue;
        byAnalyte.set(part.analyte, [...(byAnalyte.get(part.analyte) ?? []), bound]);
      }
      for (const [analyte, bounds] of byAnalyte) {
        if (!feasible(bounds)) push(at, `the thresholds on the latest ${terminology.analytes.get(analyte)?.def.display ?? analyte} (${bounds.map((b) => `${b.op} ${b.value}`).join(' and ')}) leave no value: the criterion could never be met`);
      }
    }
    if (rule.kind === 'lab') {
      const never = implausibleThreshold(rule, terminology);
      if (never) push([...at, 'compare'], never);
    }
    if (rule.kind === 'answer') {
      const def = terminology.analytes.get(rule.observation)?.def;
      // A coded answer (ECOG 1, NYHA II) is the value of a score or class; a quantity in kg or mg/dL has none.
      if (def && !isScale(def.unit)) {
        push([...at, 'observation'], `answer reads the coded value of an observation, and ${def.display} is a quantity in "${def.unit}": compare it with { kind: lab, analyte: ${rule.observation}, compare: { op, value, unit } }`);
      }
    }
    for (const [key, value] of Object.entries(rule)) visitRulesIn(value, [...at, key], visit);
  };
  trial.def.criteria.forEach((c, i) => visit(c.rule, ['criteria', i, 'rule']));
  return issues;
}

/** Every rule inside a value (a rule's parts, negations, confirmations, score items and subtractions), each with its path. */
function visitRulesIn(value: unknown, at: (string | number)[], visit: (rule: Rule, at: (string | number)[]) => void): void {
  if (Array.isArray(value)) value.forEach((v, i) => visitRulesIn(v, [...at, i], visit));
  else if (value !== null && typeof value === 'object') {
    if (typeof (value as { kind?: unknown }).kind === 'string') visit(value as Rule, at);
    else for (const [key, v] of Object.entries(value)) visitRulesIn(v, [...at, key], visit);
  }
}

/** Units of scores, classes and counts ("1", "%", "{score}"), whose observations may carry coded answers. */
function isScale(unit: string): boolean {
  return unit === '1' || unit === '%' || /^\{[^}]*\}$/.test(unit);
}

/** How many plausible results a lab threshold (in the analyte's unit) admits: none of them, or all of them. */
function againstPlausible(rule: LabRule, terminology: Terminology): { reach: 'none' | 'all'; def: AnalyteDef; bound: Bound; min: number; max: number } | undefined {
  const def = terminology.analytes.get(rule.analyte)?.def;
  const bound = inAnalyteUnit(rule, terminology);
  if (!def?.plausible || !bound) return undefined;
  const { min, max } = def.plausible;
  const { op, value } = bound;
  if ((op === '>' && value >= max) || (op === '>=' && value > max) || (op === '<' && value <= min) || (op === '<=' && value < min)) return { reach: 'none', def, bound, min, max };
  if ((op === '>' && value < min) || (op === '>=' && value <= min) || (op === '<' && value > max) || (op === '<=' && value >= max)) return { reach: 'all', def, bound, min, max };
  return undefined;
}

/** "MG-ADL > 30" on a scale of 0-24: no plausible result could meet the threshold. */
function implausibleThreshold(rule: LabRule, terminology: Terminology): string | undefined {
  const found = againstPlausible(rule, terminology);
  if (found?.reach !== 'none' || !('unit' in rule.compare)) return undefined;
  const { def, bound, min, max } = found;
  const shown = rule.compare.unit !== def.unit ? ` (${bound.value} ${def.unit})` : '';
  return `no plausible ${def.display} is ${bound.op} ${rule.compare.value} ${rule.compare.unit}${shown}: results are read as plausible from ${min} to ${max} ${def.unit}, so the criterion could never be met; check the value and its unit`;
}

/**
 * "Platelets >= 100 /mm3" (0.1 10*9/L, not 100 000/mm3) or "< 100000" in 10*9/L: every plausible
 * result meets it, so it decides nothing. Said as a warning (the threshold may be written as a
 * formality), with the threshold in the analyte's unit, which is where such a slip shows.
 */
export function alwaysMetWarnings(trial: LoadedTrial, terminology: Terminology): MappingIssue[] {
  const warnings: MappingIssue[] = [];
  const visit = (rule: Rule, at: (string | number)[]): void => {
    const found = rule.kind === 'lab' ? againstPlausible(rule, terminology) : undefined;
    if (rule.kind === 'lab' && found?.reach === 'all' && 'unit' in rule.compare) {
      const { def, bound, min, max } = found;
      const shown = rule.compare.unit !== def.unit ? ` (${rule.compare.value} ${rule.compare.unit} is ${Number(bound.value.toPrecision(6))} ${def.unit})` : '';
      warnings.push({
        file: trial.file,
        path: formatPath([...at, 'compare']),
        line: trial.locate([...at, 'compare']),
        message: `every plausible ${def.display} (${min} to ${max} ${def.unit}) is ${bound.op} ${rule.compare.value} ${rule.compare.unit}${shown}: the threshold decides nothing; check the value and its unit`,
      });
    }
    for (const [key, value] of Object.entries(rule)) visitRulesIn(value, [...at, key], visit);
  };
  trial.def.criteria.forEach((c, i) => visit(c.rule, ['criteria', i, 'rule']));
  return warnings;
}

/** Kinds that are met when the record holds something: a diagnosis, a drug, a procedure, a vaccine. */
const PRESENCE_KINDS: ReadonlySet<string> = new Set(['condition', 'medication', 'procedure', 'immunization', 'allergy', 'enrolled_elsewhere', 'encounter', 'family_history']);
/** An exclusion worded as an absence ("not vaccinated", "no prior platinum") is rightly written as a presence. */
const NEGATED_WORDING = /\b(no|not|never|without|none|lack(s|ing)?|absence|unvaccinated|unable|fail(s|ed)?)\b/i;

/** Met when the record holds something: a presence, a person confirming one, or any or all of them. */
function isPresence(rule: Rule): boolean {
  if (rule.kind === 'confirm') return isPresence(rule.rule);
  if (rule.kind === 'any' || rule.kind === 'all') return rule.of.every(isPresence);
  return PRESENCE_KINDS.has(rule.kind);
}

/**
 * Warnings `eligo validate` prints without refusing the files: likely mistakes that can also be
 * right. The commonest is an exclusion written as what excludes ("diabetes") instead of what
 * keeps the patient eligible (`not` diabetes), which silently inverts it.
 */
export function trialWarnings(trial: LoadedTrial): MappingIssue[] {
  const warnings: MappingIssue[] = [];
  trial.def.criteria.forEach((c, i) => {
    if (c.type !== 'exclusion' || NEGATED_WORDING.test(c.text)) return;
    let rule: Rule = c.rule;
    const at: (string | number)[] = ['criteria', i, 'rule'];
    while (rule.kind === 'confirm') {
      rule = rule.rule;
      at.push('rule');
    }
    if (!isPresence(rule)) return;
    warnings.push({
      file: trial.file,
      path: formatPath(at),
      line: trial.locate(at),
      message: `exclusion ${c.id} ("${c.text}") is met when the record holds what it names, so having it would keep the patient eligible: exclusions are written as what keeps a patient eligible; wrap what excludes in { kind: not, rule: ... } (if the exclusion is itself an absence, word its text so: "no ...", "not ...")`,
    });
  });
  return warnings;
}

function inAnalyteUnit(rule: LabRule, terminology: Terminology): Bound | undefined {
  if (!('unit' in rule.compare)) return undefined;
  const def = terminology.analytes.get(rule.analyte)?.def;
  if (!def) return undefined;
  const converted = convertQuantity(rule.compare.value, rule.compare.unit, def.unit, def.molarMass);
  return converted.ok ? { op: rule.compare.op, value: converted.value } : undefined;
}

/** Terminology no trial uses: not an error (the terminology is shared), said by `eligo validate`. */
export function unusedTerminology(mappings: LoadedMappings, used: ReadonlySet<string>): string[] {
  const t = mappings.terminology;
  const unused: string[] = [];
  // An analyte another one reads (shownAbsentBy) is used through it.
  const through = new Set(Object.entries(t.analytes).flatMap(([key, def]) => (used.has(`analyte:${key}`) ? def.shownAbsentBy : [])));
  for (const key of Object.keys(t.analytes)) if (!used.has(`analyte:${key}`) && !through.has(key)) unused.push(`analyte ${key}`);
  // A class another used class includes (or lists among its ingredients) is used through it.
  const usedClasses = new Set<string>();
  const useClass = (key: string): void => {
    if (usedClasses.has(key)) return;
    usedClasses.add(key);
    const def = t.medicationClasses[key];
    for (const part of [...(def?.include ?? []), ...(def?.ingredients ?? [])]) if (t.medicationClasses[part]) useClass(part);
  };
  for (const key of Object.keys(t.medicationClasses)) if (used.has(`medicationClass:${key}`)) useClass(key);
  for (const key of Object.keys(t.medicationClasses)) if (!usedClasses.has(key)) unused.push(`medication class ${key}`);
  return unused;
}
