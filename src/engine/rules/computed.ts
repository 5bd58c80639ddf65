import { FORMULAS, type ComputedRule, type FormulaName } from '../../mapping/schema';
import { convertQuantity } from '../../units/convert';
import type { EvalContext } from '../context';
import { ageInYears } from '../dates';
import { round, shown } from '../lab-reading';
import { result, type RuleResult } from '../result';
import { latestPositiveValue, type InputAccumulator } from './cockcroft-gault';
import { compareOp } from './medication';

type Inputs = Record<string, number>;

/**
 * The formulas, each on its inputs in the units FORMULAS names. CKD-EPI 2021 is the race-free
 * creatinine equation (Inker et al., NEJM 2021): 142 × min(Scr/κ,1)^α × max(Scr/κ,1)^−1.200 ×
 * 0.9938^age × 1.012 if female, κ 0.7/0.9 and α −0.241/−0.302 for female/male. QTcF divides by
 * the cube root of RR in seconds, QTcB by its square root.
 */
function compute(formula: FormulaName, x: Inputs, age: number, female: boolean): number {
  switch (formula) {
    case 'bmi':
      return (x.weight as number) / ((x.height as number) / 100) ** 2;
    case 'ckd_epi_2021': {
      const kappa = female ? 0.7 : 0.9;
      const alpha = female ? -0.241 : -0.302;
      const ratio = (x.creatinine as number) / kappa;
      return 142 * Math.min(ratio, 1) ** alpha * Math.max(ratio, 1) ** -1.2 * 0.9938 ** age * (female ? 1.012 : 1);
    }
    case 'qtcf':
      return (x.qt as number) / Math.cbrt((x.rr as number) / 1000);
    case 'qtcb':
      return (x.qt as number) / Math.sqrt((x.rr as number) / 1000);
    case 'ratio':
      return (x.numerator as number) / (x.denominator as number);
    case 'difference':
      return (x.minuend as number) - (x.subtrahend as number);
  }
}

const TITLES: Record<FormulaName, string> = {
  bmi: 'BMI',
  ckd_epi_2021: 'eGFR (CKD-EPI 2021)',
  qtcf: 'QTcF',
  qtcb: 'QTcB',
  ratio: 'ratio',
  difference: 'difference',
};

/**
 * A computed value against a threshold. Inputs are read as lab rules read them; any input
 * missing, stale or unreadable makes the answer `unknown` naming it. Where the formula uses sex
 * or age and they are not exactly known, the answer stands only when every possible value agrees.
 */
export function evaluateComputed(rule: ComputedRule, ctx: EvalContext): RuleResult {
  const formula = FORMULAS[rule.formula];
  const title = TITLES[rule.formula];
  const acc: InputAccumulator = { missing: [], evidence: [], explanations: [] };
  const values: Inputs = {};
  const shownInputs: string[] = [];
  // A ratio or difference reads both results in the first one's unit (checked commensurable at load).
  const firstUnit = ctx.analyte(rule.inputs[Object.keys(formula.inputs)[0] as string] as string).def.unit;
  for (const [input, declared] of Object.entries(formula.inputs) as [string, string][]) {
    const needed = declared === '' ? firstUnit : declared;
    const key = rule.inputs[input] as string;
    const analyte = ctx.analyte(key);
    const value = latestPositiveValue(ctx, key, rule.lookback, acc, { anchor: rule.anchor, allowZeroOrLess: rule.formula === 'difference' });
    if (value === undefined) continue;
    // Validated at load (src/mapping/unit-checks.ts): the analyte's unit converts to the formula's.
    const converted = convertQuantity(value, analyte.def.unit, needed, analyte.def.molarMass);
    if (!converted.ok) {
      acc.missing.push(`${analyte.def.display} in ${needed}`);
      acc.explanations.push(converted.reason);
      continue;
    }
    values[input] = converted.value;
    shownInputs.push(`${analyte.def.display} ${shown(converted.value)} ${needed}`);
  }
  const age = formula.usesAgeAndSex ? (ctx.record.birthDate ? ageInYears(ctx.record.birthDate, ctx.asOfDay) : undefined) : { min: 0, max: 0 };
  if (!age) {
    acc.missing.push('birth date');
    acc.explanations.push('no birth date');
  }
  if (Object.keys(values).length < Object.keys(formula.inputs).length || !age) {
    const outcome = result('unknown', `${title} cannot be computed: ${acc.explanations.join('; ')}`, { missing: acc.missing, evidence: acc.evidence });
    // No result at all of any input: this measure was not taken (`measures` lets another decide).
    const untaken = Object.values(rule.inputs).every((key) => ctx.results(key).length === 0);
    return untaken ? { ...outcome, noData: true } : outcome;
  }
  const resultUnit = formula.unit !== '' ? formula.unit : ctx.analyte(rule.inputs.minuend as string).def.unit;
  const threshold = convertQuantity(rule.compare.value, rule.compare.unit, resultUnit);
  if (!threshold.ok) return result('unknown', `${title}: the threshold cannot be read in ${resultUnit} (${threshold.reason})`, { evidence: acc.evidence });
  const gender = ctx.record.gender;
  const sexes = !formula.usesAgeAndSex ? [false] : gender === 'female' ? [true] : gender === 'male' ? [false] : [true, false];
  const candidates = sexes.flatMap((female) => [compute(rule.formula, values, age.min, female), compute(rule.formula, values, age.max, female)]).filter(Number.isFinite);
  if (candidates.length === 0) return result('unknown', `${title} cannot be computed from ${shownInputs.join(', ')}`, { evidence: acc.evidence, missing: [title] });
  const lowest = Math.min(...candidates);
  const highest = Math.max(...candidates);
  const valueText = `${shown(lowest)}${lowest !== highest ? `-${shown(highest)}` : ''} ${resultUnit}`;
  acc.evidence.push({ reference: ctx.record.patientReference, value: round(lowest), unit: resultUnit, note: `${title} computed from ${shownInputs.join(', ')}${formula.usesAgeAndSex ? `, age ${age.min}, ${gender ?? 'sex unknown'}` : ''}` });
  const text = `${title} ${valueText} (from ${shownInputs.join(', ')}${formula.usesAgeAndSex ? `, age ${age.min}${gender === 'female' ? ', female' : gender === 'male' ? ', male' : ''}` : ''}); needed ${rule.compare.op} ${rule.compare.value} ${rule.compare.unit}`;
  const all = candidates.every((v) => compareOp(rule.compare.op, v, threshold.value));
  const none = candidates.every((v) => !compareOp(rule.compare.op, v, threshold.value));
  if (all) return result('true', text, { evidence: acc.evidence });
  if (none) return result('false', text, { evidence: acc.evidence });
  return result('unknown', `${text}: undecided because sex or exact age is not recorded`, { evidence: acc.evidence, missing: ['sex or exact birth date'] });
}
