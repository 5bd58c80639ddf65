import { z } from 'zod';
import { ruleSchema } from './schema';

/**
 * What each rule kind is for and an example, beside the fields the zod schema gives (the schema is
 * the truth for fields, types, defaults and required; these lines only explain).
 */
const KINDS: Record<string, { what: string; example: string }> = {
  all: { what: 'Every part holds. Unknown parts make it unknown unless another part is false.', example: '{ kind: all, of: [ <rule>, <rule> ] }' },
  any: { what: 'At least one part holds.', example: '{ kind: any, of: [ <rule>, <rule> ] }' },
  measures: { what: 'Alternative measures of one quantity: the ones taken decide; one not taken at all is not missing data.', example: '{ kind: measures, of: [ <24-hour protein rule>, <UPCR rule> ] }' },
  at_least: { what: 'At least n parts hold.', example: '{ kind: at_least, n: 2, of: [ ... ] }' },
  not: { what: 'The opposite (exclusions are written as `not` of what excludes).', example: '{ kind: not, rule: <rule> }' },
  confirm: { what: 'The data can rule out; where it says yes, a person confirms (review).', example: '{ kind: confirm, rule: <rule>, reason: "confirm with the treating physician" }' },
  manual: { what: 'A person decides (review). With `manual: true` on the criterion and a data rule instead, the data may still rule the patient out.', example: '{ kind: manual, reason: "signed informed consent" }' },
  criterion: { what: 'The result of another criterion of the trial.', example: '{ kind: criterion, id: sle.inc.sledai }' },
  age: { what: 'Age in whole years at the screening date; no birth date is unknown.', example: '{ kind: age, min: 18, max: 65 }' },
  sex: { what: 'Administrative sex; not recorded is unknown.', example: '{ kind: sex, is: female }' },
  condition: { what: 'A Condition in value sets (active, within a window, by onset or presence, present for at least a duration); none recorded is not present.', example: '{ kind: condition, valueSets: [sle], status: active }' },
  lab: { what: 'The latest (or any) result of an analyte, converted to its unit, against a threshold; stale, unreadable or no result is unknown (or not present with absentIs: "false"); persistsFor: a result that much older must qualify too.', example: '{ kind: lab, analyte: creatinine, compare: { op: "<=", value: 1.5, unit: mg/dL } }' },
  medication: { what: 'Exposure to medication classes: within a window, ongoing, for a minimum duration, at a prednisone-equivalent dose.', example: '{ kind: medication, classes: [mycophenolate], minDuration: 6mo }' },
  washout: { what: 'None of the classes (or live vaccines) within the window before the anchor; says when it clears.', example: '{ kind: washout, medicationClasses: [anti_cd20], window: 6mo }' },
  immunization: { what: 'An immunization in value sets, optionally within a window.', example: '{ kind: immunization, valueSets: [live_vaccines], within: 1mo }' },
  procedure: { what: 'Procedures in value sets: at least minCount, each within maxInterval of the previous. With planned: true, one still to come (a standing ServiceRequest or a Procedure in preparation), optionally within a horizon after the anchor; a draft, on-hold or proposed request is for a person to confirm.', example: '{ kind: procedure, valueSets: [bariatric_surgery_procedures], planned: true }' },
  encounter: { what: 'Stays (Encounter) of classes (inpatient, emergency...) or types, for reasons in value sets (reasonCode, reasonReference, primary diagnosis), within a window, at least minCount; a secondary diagnosis, no reason recorded or an unreadable class is review, a stay with no period is in no window (unknown).', example: '{ kind: encounter, classes: [inpatient], reasons: [heart_failure], within: 12mo }' },
  family_history: { what: 'A relative (any, blood or first-degree) with a condition in value sets (FamilyMemberHistory); no family history recorded is unknown unless absentIs: "false"; a completed record or "no known family history" (SNOMED CT 160266009) answers.', example: '{ kind: family_history, valueSets: [mtc_men2], relatives: blood }' },
  allergy: { what: 'An allergy to classes or value sets (or any medication), optionally severe only.', example: '{ kind: allergy, medicationClasses: [tocilizumab], severeOnly: true }' },
  enrolled_elsewhere: { what: 'A ResearchSubject of another study with one of the statuses.', example: '{ kind: enrolled_elsewhere, statuses: [on-study] }' },
  trend: { what: 'An analyte rising or falling by an absolute or relative amount within a window, like for like (series).', example: '{ kind: trend, analyte: fvc_pct, window: 12mo, direction: decrease, by: 10, measure: relative }' },
  score: { what: 'A score computed from items in domains (highest item per domain), or a recorded total.', example: 'see sle.inc.classification in mappings/trials/sle-cart.yaml' },
  cockcroft_gault: { what: 'Creatinine clearance by Cockcroft-Gault from creatinine, weight, age and sex; or a measured clearance.', example: '{ kind: cockcroft_gault, minMlPerMin: 60, creatinine: creatinine, weight: body_weight }' },
  medication_count: { what: 'How many distinct drugs, drug classes or courses (gap-merged) of classes; within [min, max] meets.', example: '{ kind: medication_count, classes: [platinum], count: episodes, max: 1 }' },
  answer: { what: 'The latest coded answer of one observation is in value sets; no result is unknown, another coded answer not met, words only review.', example: '{ kind: answer, observation: ecog, in: [ecog_0, ecog_1] }' },
  computed: { what: 'A value computed by a declared formula (bmi, ckd_epi_2021, qtcf, qtcb, ratio, difference) from inputs read as lab rules read them.', example: '{ kind: computed, formula: bmi, inputs: { weight: body_weight, height: body_height }, compare: { op: ">=", value: 30, unit: kg/m2 } }' },
};

type JsonSchema = { type?: string; const?: unknown; enum?: unknown[]; properties?: Record<string, JsonSchema>; required?: string[]; default?: unknown; items?: JsonSchema; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; $ref?: string; minimum?: number; pattern?: string };

function typeOf(schema: JsonSchema): string {
  if (schema.$ref) return 'rule';
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (schema.type === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'values'}`;
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return options.map(typeOf).join(' or ');
  if (schema.type === 'object' && schema.properties) return `{ ${Object.keys(schema.properties).join(', ')} }`;
  if (schema.pattern === '^\\d+(d|w|mo|y)$') return 'duration (7d, 1mo, 6mo, 1y)';
  if (schema.pattern === '^(asOf|[a-z][a-z0-9-]*)$') return 'anchor: asOf, leukapheresis or one the trial declares';
  return schema.type ?? 'value';
}

/** docs/rules.md: every rule kind with its fields, types, defaults and an example, from the schema. */
export function ruleReference(): string {
  const root = z.toJSONSchema(ruleSchema, { io: 'input', unrepresentable: 'any', cycles: 'ref' }) as JsonSchema;
  const lines = [
    '# Rule reference',
    '',
    'Generated from the zod schema in `src/mapping/schema.ts` by `npm run docs:rules` (a test checks it',
    'is current). Every criterion of a trial file has a `rule`; each rule is one of these kinds. Fields',
    'not marked required are optional; a default is what an absent field means. Durations are a whole',
    'number and d, w, mo or y. Anchors are `asOf` (the screening date), `leukapheresis`, or one the trial',
    'declares in `anchors` (`- { id: first-dose, display: first dose of study drug }`), given at screening.',
    '',
  ];
  for (const option of root.oneOf ?? []) {
    const kind = String(option.properties?.kind?.const ?? '');
    const doc = KINDS[kind];
    lines.push(`## \`${kind}\``, '', doc?.what ?? '', '', '| field | type | required | default |', '| --- | --- | --- | --- |');
    for (const [name, field] of Object.entries(option.properties ?? {})) {
      if (name === 'kind') continue;
      const required = option.required?.includes(name) && field.default === undefined ? 'yes' : '';
      lines.push(`| \`${name}\` | ${typeOf(field)} | ${required} | ${field.default === undefined ? '' : `\`${JSON.stringify(field.default)}\``} |`);
    }
    lines.push('', '```yaml', `rule: ${doc?.example ?? ''}`, '```', '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
