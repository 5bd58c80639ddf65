import { didYouMean } from './issue-text';
import { checkContradictions, checkEmptyValueSets } from './static-checks';
import { checkTerminologyUnits, checkTrialUnits } from './unit-checks';
import { EligoError } from '../errors/eligo-error';
import { parseDuration, type Duration } from '../engine/dates';
import { formatIssue, formatPath, placeIssues, readMappings, type LoadedMappings, type LoadedTrial, type MappingIssue } from './load';
import type { CriterionDef, Rule, TrialFile } from './schema';
import { Terminology } from './terminology';

/** A trial ready to evaluate many patients: references checked, terminology compiled, durations parsed. */
export interface CompiledTrial {
  id: string;
  def: TrialFile;
  file: string;
  terminology: Terminology;
  criteria: CriterionDef[];
  byId: Map<string, CriterionDef>;
  durations: Map<string, Duration>;
  /**
   * The resource types beyond the core ones that the trial's rules read (Encounter,
   * FamilyMemberHistory, ServiceRequest): what a screening for it fetches and normalises.
   */
  reads: readonly string[];
}

export interface Catalog {
  terminology: Terminology;
  trials: Map<string, CompiledTrial>;
  mappings: LoadedMappings;
}

type RefKind = 'valueSet' | 'analyte' | 'medicationClass';

/** Every name a rule refers to, with its path inside the criterion, for reference checks. */
function* references(rule: Rule, at: (string | number)[]): Generator<{ kind: RefKind | 'criterion'; name: string; at: (string | number)[] }> {
  switch (rule.kind) {
    case 'all':
    case 'any':
    case 'measures':
    case 'at_least':
      for (const [i, child] of rule.of.entries()) yield* references(child, [...at, 'of', i]);
      return;
    case 'not':
    case 'confirm':
      yield* references(rule.rule, [...at, 'rule']);
      return;
    case 'criterion':
      yield { kind: 'criterion', name: rule.id, at: [...at, 'id'] };
      return;
    case 'manual':
    case 'age':
    case 'sex':
    case 'enrolled_elsewhere':
      return;
    case 'procedure':
      for (const [i, name] of (rule.bodySites ?? []).entries()) yield { kind: 'valueSet', name, at: [...at, 'bodySites', i] };
      for (const [i, name] of rule.valueSets.entries()) yield { kind: 'valueSet', name, at: [...at, 'valueSets', i] };
      return;
    case 'condition':
    case 'immunization':
    case 'family_history':
      for (const [i, name] of rule.valueSets.entries()) yield { kind: 'valueSet', name, at: [...at, 'valueSets', i] };
      return;
    case 'encounter':
      for (const [i, name] of rule.types.entries()) yield { kind: 'valueSet', name, at: [...at, 'types', i] };
      for (const [i, name] of rule.reasons.entries()) yield { kind: 'valueSet', name, at: [...at, 'reasons', i] };
      return;
    case 'lab':
      yield { kind: 'analyte', name: rule.analyte, at: [...at, 'analyte'] };
      for (const [i, name] of (rule.notAfterMedication?.classes ?? []).entries()) {
        yield { kind: 'medicationClass', name, at: [...at, 'notAfterMedication', 'classes', i] };
      }
      return;
    case 'medication':
      for (const [i, name] of (rule.notDuring ?? []).entries()) yield { kind: 'valueSet', name, at: [...at, 'notDuring', i] };
      for (const [i, name] of rule.classes.entries()) yield { kind: 'medicationClass', name, at: [...at, 'classes', i] };
      return;
    case 'medication_count':
      for (const [i, name] of rule.classes.entries()) yield { kind: 'medicationClass', name, at: [...at, 'classes', i] };
      return;
    case 'washout':
      for (const [i, name] of rule.medicationClasses.entries()) {
        yield { kind: 'medicationClass', name, at: [...at, 'medicationClasses', i] };
      }
      for (const [i, name] of rule.vaccineValueSets.entries()) yield { kind: 'valueSet', name, at: [...at, 'vaccineValueSets', i] };
      return;
    case 'allergy':
      for (const [i, name] of rule.medicationClasses.entries()) {
        yield { kind: 'medicationClass', name, at: [...at, 'medicationClasses', i] };
      }
      for (const [i, name] of rule.valueSets.entries()) yield { kind: 'valueSet', name, at: [...at, 'valueSets', i] };
      if (rule.anaphylaxisValueSet) yield { kind: 'valueSet', name: rule.anaphylaxisValueSet, at: [...at, 'anaphylaxisValueSet'] };
      return;
    case 'trend':
      yield { kind: 'analyte', name: rule.analyte, at: [...at, 'analyte'] };
      return;
    case 'score':
      if (rule.entry) yield* references(rule.entry, [...at, 'entry']);
      for (const [d, domain] of rule.domains.entries()) {
        for (const [i, item] of domain.items.entries()) yield* references(item.rule, [...at, 'domains', d, 'items', i, 'rule']);
      }
      if (rule.recorded) {
        yield { kind: 'analyte', name: rule.recorded.analyte, at: [...at, 'recorded', 'analyte'] };
        for (const [i, item] of rule.recorded.subtract.entries()) {
          yield* references(item.rule, [...at, 'recorded', 'subtract', i, 'rule']);
        }
      }
      return;
    case 'cockcroft_gault':
      yield { kind: 'analyte', name: rule.creatinine, at: [...at, 'creatinine'] };
      yield { kind: 'analyte', name: rule.weight, at: [...at, 'weight'] };
      if (rule.measuredClearance) yield { kind: 'analyte', name: rule.measuredClearance, at: [...at, 'measuredClearance'] };
      return;
    case 'answer':
      yield { kind: 'analyte', name: rule.observation, at: [...at, 'observation'] };
      for (const [i, name] of rule.in.entries()) yield { kind: 'valueSet', name, at: [...at, 'in', i] };
      return;
    case 'computed':
      for (const [input, name] of Object.entries(rule.inputs)) yield { kind: 'analyte', name, at: [...at, 'inputs', input] };
      return;
  }
}

/** The rule-read types (src/input/resource-types.ts RULE_READ_TYPES) a rule needs. */
function* typesRead(rule: Rule): Generator<string> {
  switch (rule.kind) {
    case 'all':
    case 'any':
    case 'measures':
    case 'at_least':
      for (const child of rule.of) yield* typesRead(child);
      return;
    case 'not':
    case 'confirm':
      yield* typesRead(rule.rule);
      return;
    case 'score':
      if (rule.entry) yield* typesRead(rule.entry);
      for (const domain of rule.domains) for (const item of domain.items) yield* typesRead(item.rule);
      for (const item of rule.recorded?.subtract ?? []) yield* typesRead(item.rule);
      return;
    case 'encounter':
      yield 'Encounter';
      return;
    case 'family_history':
      yield 'FamilyMemberHistory';
      return;
    case 'procedure':
      if (rule.planned) yield 'ServiceRequest';
      return;
    case 'manual':
    case 'criterion':
    case 'age':
    case 'sex':
    case 'condition':
    case 'lab':
    case 'medication':
    case 'washout':
    case 'immunization':
    case 'allergy':
    case 'enrolled_elsewhere':
    case 'trend':
    case 'cockcroft_gault':
    case 'answer':
    case 'computed':
    case 'medication_count':
      // Core types only (src/input/resource-types.ts CORE_SCREENING_TYPES).
      return;
  }
}

function* durationsOf(value: unknown): Generator<string> {
  if (Array.isArray(value)) {
    for (const v of value) yield* durationsOf(v);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === 'string' && /^\d+(d|w|mo|y)$/.test(v) && key !== 'id' && key !== 'reason') yield v;
      else yield* durationsOf(v);
    }
  }
}

export function checkTrial(trial: LoadedTrial, terminology: Terminology, unreadKeys: ReadonlySet<string> = new Set()): MappingIssue[] {
  const issues: MappingIssue[] = [];
  // A name defined in a terminology file that failed its own checks: that file's problem is reported.
  const unread = (kind: RefKind, name: string): boolean =>
    kind === 'medicationClass' ? unreadKeys.has(`medicationClasses.${name}`) || unreadKeys.has(`ingredients.${name}`) : unreadKeys.has(`${kind}s.${name}`);
  const ids = new Set<string>();
  const known: Record<RefKind, (name: string) => boolean> = {
    valueSet: (n) => terminology.valueSets.has(n),
    analyte: (n) => terminology.analytes.has(n),
    medicationClass: (n) => terminology.classMembers.has(n) || terminology.ingredients.has(n),
  };
  for (const [i, c] of trial.def.criteria.entries()) {
    if (ids.has(c.id)) {
      issues.push({ file: trial.file, path: `criteria[${i}].id`, line: trial.locate(['criteria', i, 'id']), message: `duplicate criterion id "${c.id}"` });
    }
    ids.add(c.id);
  }
  const namesOf: Record<RefKind | 'criterion', () => Iterable<string>> = {
    valueSet: () => terminology.valueSets.keys(),
    analyte: () => terminology.analytes.keys(),
    medicationClass: () => [...terminology.classMembers.keys(), ...terminology.ingredients.keys()],
    criterion: () => ids,
  };
  // The rules that pick anchor events out of the record name terminology as criteria do.
  const ruleSites: { rule: Rule; at: (string | number)[]; criterion?: string }[] = [
    ...trial.def.criteria.map((c, i) => ({ rule: c.rule, at: ['criteria', i, 'rule'], criterion: c.id })),
    ...trial.def.anchors.flatMap((a, i) => (a.fromRecord ? [{ rule: a.fromRecord.rule, at: ['anchors', i, 'fromRecord', 'rule'] }] : [])),
  ];
  for (const c of ruleSites) {
    for (const ref of references(c.rule, c.at)) {
      const ok = ref.kind === 'criterion' ? ids.has(ref.name) && ref.name !== c.criterion : known[ref.kind](ref.name) || unread(ref.kind, ref.name);
      if (!ok) {
        const what = ref.kind === 'criterion' ? 'criterion of this trial' : `${ref.kind} in mappings/terminology`;
        issues.push({
          file: trial.file,
          path: formatPath(ref.at),
          line: trial.locate(ref.at),
          message: `unknown ${ref.kind} "${ref.name}": no such ${what}${didYouMean(ref.name, namesOf[ref.kind]())}`,
        });
      }
    }
  }
  // Anchors a rule counts back from: asOf, leukapheresis, or one the trial declares.
  const anchors = new Set(['asOf', 'leukapheresis', ...trial.def.anchors.map((a) => a.id)]);
  const visitAnchors = (value: unknown, at: (string | number)[]): void => {
    if (Array.isArray(value)) value.forEach((v, i) => visitAnchors(v, [...at, i]));
    else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'anchor' && typeof v === 'string' && !anchors.has(v)) {
          issues.push({ file: trial.file, path: formatPath([...at, key]), line: trial.locate([...at, key]), message: `unknown anchor "${v}": asOf, leukapheresis, or one declared in the trial's anchors${didYouMean(v, anchors)}` });
        } else visitAnchors(v, [...at, key]);
      }
    }
  };
  visitAnchors(trial.def.criteria, ['criteria']);
  visitAnchors(trial.def.anchors, ['anchors']);
  issues.push(...checkAnchors(trial));
  for (const [i, vs] of trial.def.candidateValueSets.entries()) {
    if (!terminology.valueSets.has(vs) && !unread('valueSet', vs)) {
      issues.push({ file: trial.file, path: `candidateValueSets[${i}]`, line: trial.locate(['candidateValueSets', i]), message: `unknown valueSet "${vs}"${didYouMean(vs, terminology.valueSets.keys())}` });
    }
  }
  issues.push(...criterionCycles(trial));
  return issues;
}

/** Edges of a dependency graph, each with where in the file it is written. */
type Edges = Map<string, { to: string; at: (string | number)[] }[]>;

/** Each cycle once, reported at the edge that closes it. */
function cycles(edges: Edges, report: (chain: string[], at: (string | number)[]) => void): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, chain: string[]): void => {
    state.set(id, 'visiting');
    const path = [...chain, id];
    for (const edge of edges.get(id) ?? []) {
      if (state.get(edge.to) === 'visiting') report([...path.slice(path.indexOf(edge.to)), edge.to], edge.at);
      else if (state.get(edge.to) !== 'done') visit(edge.to, path);
    }
    state.set(id, 'done');
  };
  for (const id of edges.keys()) if (!state.has(id)) visit(id, []);
}

function criterionCycles(trial: LoadedTrial): MappingIssue[] {
  const edges: Edges = new Map();
  for (const [i, c] of trial.def.criteria.entries()) {
    edges.set(c.id, [...references(c.rule, ['criteria', i, 'rule'])].filter((r) => r.kind === 'criterion').map((r) => ({ to: r.name, at: r.at })));
  }
  const issues: MappingIssue[] = [];
  cycles(edges, (chain, at) => issues.push({ file: trial.file, path: formatPath(at), line: trial.locate(at), message: `criteria refer to each other in a cycle: ${chain.join(' -> ')}` }));
  return issues;
}

/**
 * Anchors read from the record: ids declared once; the event rule of one may count its window
 * from another, but never round in a cycle (each date would wait for the other); and no window
 * lies after the screening date, where nothing is read.
 */
function checkAnchors(trial: LoadedTrial): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const push = (at: (string | number)[], message: string): void => {
    issues.push({ file: trial.file, path: formatPath(at), line: trial.locate(at), message });
  };
  const seen = new Set<string>();
  for (const [i, a] of trial.def.anchors.entries()) {
    if (seen.has(a.id) || a.id === 'leukapheresis') push(['anchors', i, 'id'], `anchor "${a.id}" is ${a.id === 'leukapheresis' ? 'built in' : 'declared twice'}: give each anchor its own id`);
    seen.add(a.id);
  }
  const fromRecord = new Set(trial.def.anchors.filter((a) => a.fromRecord).map((a) => a.id));
  const edges: Edges = new Map();
  for (const [i, a] of trial.def.anchors.entries()) {
    if (!a.fromRecord) continue;
    const rule = a.fromRecord.rule;
    // Only a window counts from the event rule's anchor (as in the engine, anchors.ts).
    const on = 'direction' in rule && (rule.within !== undefined || rule.direction === 'after') ? rule.anchor : undefined;
    edges.set(a.id, on !== undefined && fromRecord.has(on) ? [{ to: on, at: ['anchors', i, 'fromRecord', 'rule', 'anchor'] }] : []);
  }
  cycles(edges, (chain, at) =>
    push(at, `anchors read from the record count from each other in a cycle: ${chain.join(' -> ')}; each date would wait for the other: count one of them from asOf or from an anchor outside the cycle`),
  );
  const visit = (value: unknown, at: (string | number)[]): void => {
    if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...at, i]));
    else if (value !== null && typeof value === 'object') {
      const rule = value as { direction?: unknown; anchor?: unknown; within?: unknown };
      if (rule.direction === 'after' && rule.within !== undefined && (rule.anchor ?? 'asOf') === 'asOf') {
        push([...at, 'direction'], 'a window after the screening date lies where no data is read: count it from an anchor that comes before screening (one read from the record, or one given at screening)');
      }
      for (const [key, v] of Object.entries(value)) visit(v, [...at, key]);
    }
  };
  visit(trial.def.criteria, ['criteria']);
  visit(trial.def.anchors, ['anchors']);
  return issues;
}

export function compileTrial(trial: LoadedTrial, terminology: Terminology): CompiledTrial {
  const durations = new Map<string, Duration>();
  for (const text of durationsOf(trial.def)) durations.set(text, parseDuration(text));
  for (const a of terminology.analytes.values()) if (a.def.lookback) durations.set(a.def.lookback, parseDuration(a.def.lookback));
  return {
    id: trial.def.id,
    def: trial.def,
    file: trial.file,
    terminology,
    criteria: trial.def.criteria,
    byId: new Map(trial.def.criteria.map((c) => [c.id, c])),
    durations,
    reads: [...new Set(trial.def.criteria.flatMap((c) => [...typesRead(c.rule)]))].sort(),
  };
}

/** "kind:name" of every analyte, value set and medication class a trial refers to. */
export function referencedNames(mappings: LoadedMappings): Set<string> {
  const used = new Set<string>();
  for (const trial of mappings.trials) {
    for (const c of trial.def.criteria) for (const ref of references(c.rule, [])) used.add(`${ref.kind}:${ref.name}`);
    for (const a of trial.def.anchors) if (a.fromRecord) for (const ref of references(a.fromRecord.rule, [])) used.add(`${ref.kind}:${ref.name}`);
    for (const vs of trial.def.candidateValueSets) used.add(`valueSet:${vs}`);
  }
  return used;
}

/**
 * A medication rule's `classes` also take an ingredient key, so `classes: [insulin]` (one
 * ingredient) for the class `insulins` is valid and silently narrower: the commonest slip found
 * writing a trial. Said as a warning where an ingredient is named and a class whose key begins
 * with it exists; naming the ingredient alone can be what is meant.
 */
export function ingredientForClassWarnings(mappings: LoadedMappings): MappingIssue[] {
  const t = mappings.terminology;
  const warnings: MappingIssue[] = [];
  for (const trial of mappings.trials) {
    const rules = [
      ...trial.def.criteria.map((c, i) => ({ rule: c.rule, at: ['criteria', i, 'rule'] as (string | number)[] })),
      ...trial.def.anchors.flatMap((a, i) => (a.fromRecord ? [{ rule: a.fromRecord.rule, at: ['anchors', i, 'fromRecord', 'rule'] as (string | number)[] }] : [])),
    ];
    for (const { rule, at } of rules) {
      for (const ref of references(rule, at)) {
        if (ref.kind !== 'medicationClass' || !t.ingredients[ref.name] || t.medicationClasses[ref.name]) continue;
        const classes = Object.keys(t.medicationClasses).filter((key) => key !== ref.name && key.startsWith(ref.name));
        if (classes.length === 0) continue;
        warnings.push({
          file: trial.file,
          path: formatPath(ref.at),
          message: `"${ref.name}" is one ingredient, not a class; the class ${classes.map((c) => `"${c}"`).join(' or ')} holds more: write it for the class, or keep "${ref.name}" for that ingredient alone`,
        });
      }
    }
  }
  return warnings;
}

/** Validation without throwing: every problem in every file, for `eligo validate`. */
export function validateMappings(dir?: string): { mappings?: LoadedMappings; issues: MappingIssue[] } {
  let mappings: LoadedMappings;
  try {
    mappings = readMappings(dir);
  } catch (error) {
    if (error instanceof EligoError) return { issues: [{ file: error.where ?? '', path: '', message: error.message }] };
    throw error;
  }
  const issues = [...mappings.issues, ...checkTerminology(mappings), ...checkTerminologyUnits(mappings), ...checkEmptyValueSets(mappings)];
  const terminology = new Terminology(mappings.terminology);
  for (const trial of mappings.trials) issues.push(...checkTrial(trial, terminology, mappings.unreadKeys), ...checkTrialUnits(trial, terminology), ...checkContradictions(trial, terminology));
  return { mappings, issues: placeIssues(issues, mappings) };
}

function checkTerminology(mappings: LoadedMappings): MappingIssue[] {
  const t = mappings.terminology;
  const issues: MappingIssue[] = [];
  const where = (section: string, key: string): string => mappings.terminologySources.get(`${section}.${key}`) ?? mappings.dir;
  const unread = (key: string): boolean => mappings.unreadKeys?.has(key) ?? false;
  for (const [key, def] of Object.entries(t.medicationClasses)) {
    for (const field of ['ingredients', 'include'] as const) {
      for (const [i, member] of def[field].entries()) {
        if (!t.ingredients[member] && !t.medicationClasses[member] && !unread(`ingredients.${member}`) && !unread(`medicationClasses.${member}`)) {
          const names = [...Object.keys(t.ingredients), ...Object.keys(t.medicationClasses)];
          issues.push({ file: where('medicationClasses', key), path: `medicationClasses.${key}.${field}[${i}]`, message: `unknown ingredient or class "${member}"${didYouMean(member, names)}` });
        }
      }
    }
  }
  for (const [key, def] of Object.entries(t.valueSets)) {
    for (const [i, inc] of def.include.entries()) {
      if (!t.valueSets[inc] && !unread(`valueSets.${inc}`)) issues.push({ file: where('valueSets', key), path: `valueSets.${key}.include[${i}]`, message: `unknown value set "${inc}"${didYouMean(inc, Object.keys(t.valueSets))}` });
    }
  }
  return issues;
}

/** Load, check and compile everything once; throws ERR_MAPPING_INVALID listing every problem. */
export function loadCatalog(dir?: string): Catalog {
  const { mappings, issues } = validateMappings(dir);
  if (issues.length > 0 || !mappings) {
    const lines = issues.slice(0, 20).map(formatIssue);
    const more = issues.length > 20 ? `\n... and ${issues.length - 20} more` : '';
    throw new EligoError('ERR_MAPPING_INVALID', `invalid mapping files:\n${lines.join('\n')}${more}`, { where: issues[0]?.file });
  }
  const terminology = new Terminology(mappings.terminology);
  const trials = new Map<string, CompiledTrial>();
  for (const trial of mappings.trials) trials.set(trial.def.id, compileTrial(trial, terminology));
  return { terminology, trials, mappings };
}

export function getTrial(catalog: Catalog, id: string): CompiledTrial {
  const trial = catalog.trials.get(id);
  if (!trial) {
    const known = [...catalog.trials.keys()].join(', ') || 'none';
    throw new EligoError('ERR_TRIAL_NOT_FOUND', `unknown trial "${id}"; known trials: ${known}`, { where: id });
  }
  return trial;
}
