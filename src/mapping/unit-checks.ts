import { convertQuantity, unitProblem } from '../units/convert';
import { formatPath, type LoadedMappings, type LoadedTrial, type MappingIssue } from './load';
import { FORMULAS, type AnalyteDef, type Rule } from './schema';
import type { Terminology } from './terminology';

/**
 * Units checked when the mappings load, so a wrong unit is a validation error and never a
 * silently wrong comparison at screening time (issue: HbA1c 65 mmol/mol compared as 6.5 %):
 * every analyte unit is valid UCUM; every threshold's unit converts to its analyte's unit (or is
 * a conversion the analyte declares); dimensionless scales convert only where declared; a
 * computed value's inputs are in the units its formula needs and its threshold in the result's.
 */
export function checkTerminologyUnits(mappings: LoadedMappings): MappingIssue[] {
  const issues: MappingIssue[] = [];
  for (const [key, def] of Object.entries(mappings.terminology.analytes)) {
    const file = mappings.terminologySources.get(`analytes.${key}`) ?? mappings.dir;
    const bad = (field: string, unit: string, message: string): void => {
      issues.push({ file, path: `analytes.${key}.${field}`, message: `unit "${unit}": ${message}` });
    };
    // Coded observations (scores, classes, stages) are written with a unit of "1" or an annotation.
    const problem = def.unit === '' ? undefined : unitProblem(def.unit);
    if (problem) bad('unit', def.unit, `${problem}; write a UCUM unit, e.g. "mg/dL", "10*9/L", "mL/min/{1.73_m2}", or "1" for a score`);
    if (def.unitlessAs) {
      const p = unitProblem(def.unitlessAs);
      if (p) bad('unitlessAs', def.unitlessAs, p);
    }
    for (const [i, conversion] of def.conversions.entries()) {
      const p = unitProblem(conversion.from);
      if (p) bad(`conversions[${i}].from`, conversion.from, p);
    }
  }
  return issues;
}

/**
 * An amount written without its volume ("mmol" for a glucose in mmol/L) is the commonest unit
 * slip: the same amount per litre or decilitre, when that converts, is what was meant.
 */
function perVolume(unit: string, analyte: AnalyteDef): string | undefined {
  if (unit.includes('/')) return undefined;
  return [`${unit}/L`, `${unit}/dL`].find((candidate) => unitProblem(candidate) === undefined && convertsTo(candidate, analyte) === undefined);
}

/** ucum-lhc begins its messages with "Sorry."; a validation message says what is wrong, not that. */
function withoutApology(message: string): string {
  return message.replace(/\bSorry\.\s*/g, '');
}

/** Whether a value in `unit` can be compared with results of the analyte. */
function convertsTo(unit: string, analyte: AnalyteDef): string | undefined {
  if (analyte.conversions.some((c) => c.from === unit)) return undefined;
  const conversion = convertQuantity(1, unit, analyte.unit, analyte.molarMass);
  return conversion.ok ? undefined : conversion.reason;
}

export function checkTrialUnits(trial: LoadedTrial, terminology: Terminology): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const push = (at: (string | number)[], message: string): void => {
    issues.push({ file: trial.file, path: formatPath(at), line: trial.locate(at), message });
  };
  const analyte = (key: string): AnalyteDef | undefined => terminology.analytes.get(key)?.def;
  const visit = (rule: Rule, at: (string | number)[]): void => {
    switch (rule.kind) {
      case 'all':
      case 'any':
      case 'measures':
      case 'at_least':
        rule.of.forEach((r, i) => visit(r, [...at, 'of', i]));
        return;
      case 'not':
      case 'confirm':
        visit(rule.rule, [...at, 'rule']);
        return;
      case 'score':
        if (rule.entry) visit(rule.entry, [...at, 'entry']);
        rule.domains.forEach((d, di) => d.items.forEach((item, ii) => visit(item.rule, [...at, 'domains', di, 'items', ii, 'rule'])));
        rule.recorded?.subtract.forEach((item, i) => visit(item.rule, [...at, 'recorded', 'subtract', i, 'rule']));
        return;
      case 'lab': {
        const def = analyte(rule.analyte);
        if (!def || !('unit' in rule.compare)) return;
        const unit = rule.compare.unit;
        const problem = unitProblem(unit) ?? convertsTo(unit, def);
        if (problem) {
          const nearby = perVolume(unit, def);
          push(
            [...at, 'compare', 'unit'],
            `unit "${unit}" cannot be compared with ${def.display} (in "${def.unit}"): ${withoutApology(problem)}; write the threshold in ${nearby ? `"${nearby}" (an amount per volume, as results are reported), ` : ''}"${def.unit}" or a unit that converts to it${def.conversions.length ? `, or one of the declared scales ${def.conversions.map((c) => `"${c.from}"`).join(', ')}` : ''}`,
          );
        }
        return;
      }
      case 'computed': {
        const formula = FORMULAS[rule.formula];
        const wanted = Object.keys(formula.inputs);
        const given = Object.keys(rule.inputs);
        const missing = wanted.filter((w) => !given.includes(w));
        const extra = given.filter((g) => !wanted.includes(g));
        if (missing.length || extra.length) {
          push([...at, 'inputs'], `formula ${rule.formula} takes the inputs ${wanted.join(', ')}${missing.length ? `; missing: ${missing.join(', ')}` : ''}${extra.length ? `; not an input of it: ${extra.join(', ')}` : ''}`);
          return;
        }
        for (const [input, needed] of Object.entries(formula.inputs)) {
          const def = analyte(rule.inputs[input] as string);
          if (!def || needed === '') continue;
          const problem = convertQuantity(1, def.unit, needed, def.molarMass);
          if (!problem.ok) push([...at, 'inputs', input], `input ${input} of ${rule.formula} is read in "${needed}", and ${def.display} (in "${def.unit}") does not convert to it: ${problem.reason}`);
        }
        if (rule.formula === 'ratio' || rule.formula === 'difference') {
          // A ratio or difference of two results is read in one unit: both must be in commensurable units.
          const [a, b] = Object.values(rule.inputs).map((k) => analyte(k));
          if (a && b) {
            const same = convertQuantity(1, b.unit, a.unit, b.molarMass);
            if (!same.ok) push([...at, 'inputs'], `a ${rule.formula} needs two results in one unit: ${a.display} is in "${a.unit}", ${b.display} in "${b.unit}" (${same.reason})`);
          }
        }
        const resultUnit = formula.unit !== '' ? formula.unit : (analyte(rule.inputs.minuend ?? '')?.unit ?? '');
        if (resultUnit === '') return;
        const conversion = convertQuantity(1, rule.compare.unit, resultUnit);
        if (!conversion.ok) push([...at, 'compare', 'unit'], `${rule.formula} gives "${resultUnit}"; the threshold's unit "${rule.compare.unit}" does not convert to it (${conversion.reason})`);
        return;
      }
      case 'manual':
      case 'criterion':
      case 'age':
      case 'sex':
      case 'condition':
      case 'medication':
      case 'washout':
      case 'immunization':
      case 'procedure':
      case 'allergy':
      case 'enrolled_elsewhere':
      case 'trend':
      case 'cockcroft_gault':
      case 'answer':
      case 'medication_count':
      case 'encounter':
      case 'family_history':
        return;
    }
  };
  trial.def.criteria.forEach((c, i) => visit(c.rule, ['criteria', i, 'rule']));
  return issues;
}

