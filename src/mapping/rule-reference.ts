import { z } from 'zod';
import { SYSTEM_ALIASES } from './systems';
import { ANCHOR_DESCRIPTION, anchorDeclarationSchema, ruleSchema } from './schema';

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
  confirm: { what: 'The data can rule out; where it says yes, a person confirms (review). Where the data already leaves it to a person (a confirm inside this one, a conflict), the person confirms this reason too.', example: '{ kind: confirm, rule: <rule>, reason: "confirm with the treating physician" }' },
  manual: { what: 'A person decides (review). With `manual: true` on the criterion and a data rule instead, the data may still rule the patient out. Inside `all`, a `manual` part makes the whole a review whose explanation is the person\'s part alone: to keep what the data showed (a dose, a date) in the explanation, write `confirm` with the data parts as its rule.', example: '{ kind: manual, reason: "signed informed consent" }' },
  criterion: { what: 'The result of another criterion of the trial.', example: '{ kind: criterion, id: sle.inc.sledai }' },
  age: { what: 'Age in whole years at the screening date; no birth date is unknown.', example: '{ kind: age, min: 18, max: 65 }' },
  sex: { what: 'Administrative sex; not recorded is unknown.', example: '{ kind: sex, is: female }' },
  condition: { what: 'A Condition in value sets (active, within a window before or after the anchor, by onset or presence; withinBy: onset with no onset recorded: recorded before the window, it began before it (not new in it), recorded in it or later, a person confirms when it began (the recordedDate only says it began by then), no date at all is unknown; an onset month or year that straddles the window is unknown; onsetAtLeast: diagnosed at least that long before the anchor, by the onset, or with no onset by the recordedDate as the latest it can have begun; a partial or missing date that cannot tell is unknown); none recorded is not present.', example: '{ kind: condition, valueSets: [heart_failure], onsetAtLeast: 2mo }' },
  lab: { what: 'The latest (or any) result of an analyte, converted to its unit, against a threshold; stale, unreadable or no result is unknown (or not present with absentIs: "false"); persistsFor: a result that much older must qualify too; confirmedWithin: a repeat test, another result within that span before the latest, must qualify too (none: unknown).', example: '{ kind: lab, analyte: creatinine, compare: { op: "<=", value: 1.5, unit: mg/dL } }' },
  medication: { what: 'Exposure to medication classes: within a window, ongoing, for a minimum or a maximum cumulative duration (maxDuration: met only if even the longest the record allows is within it, an order counted to its last refill allowed; an exposure with no end, route or readable dose that could exceed it is unknown), at a prednisone-equivalent dose; notDuring leaves the days within conditions of value sets out of those durations (insulin except in pregnancy with gestational diabetes: a date that could change the answer and is not recorded is unknown). stableFor: the same daily dose every day for that span before the anchor (a dose that cannot be read is unknown); with minDuration both must hold. ongoing: on it at the anchor; with a duration or stableFor it reads the course still running (records that follow on without a day\'s break, as a change of dose does), not an earlier course that stopped; an administration given within 14 days, or a statement completed with an end after screening, goes to a person. A start or end known only to its month or year counts for minDuration only if its narrowest reading is long enough. No within: at any time.', example: '{ kind: medication, classes: [mycophenolate], minDuration: 6mo }' },
  washout: { what: 'None of the classes (or live vaccines) within the window before the anchor; says when it clears.', example: '{ kind: washout, medicationClasses: [anti_cd20], window: 6mo }' },
  immunization: { what: 'An immunization in value sets, optionally within a window.', example: '{ kind: immunization, valueSets: [live_vaccines], within: 1mo }' },
  procedure: { what: 'Procedures in value sets: at least minCount, each within maxInterval of the previous. With planned: true, one still to come (a standing ServiceRequest or a Procedure in preparation), optionally within a horizon after the anchor; a draft, on-hold or proposed request is for a person to confirm. bodySites: only procedures whose Procedure.bodySite is in those value sets (a radiotherapy code that names no site); one with no site recorded makes a false answer unknown.', example: '{ kind: procedure, valueSets: [bariatric_surgery_procedures], planned: true }' },
  encounter: { what: 'Stays (Encounter) of classes (inpatient, emergency...) or types, for reasons in value sets (reasonCode, reasonReference, primary diagnosis), within a window before or after the anchor, at least minCount; a secondary diagnosis, no reason recorded or an unreadable class is review, a stay with no period is in no window (unknown).', example: '{ kind: encounter, classes: [inpatient], reasons: [heart_failure], within: 12mo }' },
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

type JsonSchema = { type?: string; const?: unknown; enum?: unknown[]; properties?: Record<string, JsonSchema>; required?: string[]; default?: unknown; items?: JsonSchema; anyOf?: JsonSchema[]; oneOf?: JsonSchema[]; $ref?: string; minimum?: number; pattern?: string; description?: string };

function typeOf(schema: JsonSchema): string {
  if (schema.$ref) return 'rule';
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (schema.type === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'values'}`;
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return options.map(typeOf).join(' or ');
  if (schema.type === 'object' && schema.properties) return `{ ${Object.keys(schema.properties).join(', ')} }`;
  if (schema.pattern === '^\\d+(d|w|mo|y)$') return 'duration (7d, 1mo, 6mo, 1y)';
  if (schema.description === ANCHOR_DESCRIPTION) return ANCHOR_DESCRIPTION;
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
    'declares in `anchors` (`- { id: first-dose, display: first dose of study drug }`), given at screening',
    'or read from the record (see [Anchors](#anchors) at the end). A `within` window lies before its anchor,',
    'or after it with `direction: after` ("within 6 months after the last dose of adjuvant chemotherapy").',
    '`direction: after` with no `within` is any time after the anchor, up to the screening date (nothing',
    'later is read): "an exacerbation after the first treatment". It needs an anchor before screening, not `asOf`.',
    'A rule with no `within` reads the whole record up to its anchor: "at any time".',
    '',
    `Codes in the terminology files name their system by a short name (${Object.keys(SYSTEM_ALIASES).map((k) => `\`${k}\``).join(', ')})`,
    'or by the system\'s URI (`http://...`, `urn:oid:...`); anything else is refused, since its codes would match no data.',
    'An ICD-10 `code` is that one code (M05 is only the category header): `prefix: M05` takes every code under it.',
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
  lines.push(...anchorReference());
  return `${lines.join('\n').trimEnd()}\n`;
}

/** The trial's `anchors`: the fields of a declaration and of `fromRecord`, and what each case means. */
function anchorReference(): string[] {
  const anchor = z.toJSONSchema(anchorDeclarationSchema, { io: 'input', unrepresentable: 'any', cycles: 'ref' }) as JsonSchema;
  const table = (schema: JsonSchema | undefined, skip: string[] = []): string[] => [
    '| field | type | required | default |',
    '| --- | --- | --- | --- |',
    ...Object.entries(schema?.properties ?? {})
      .filter(([name]) => !skip.includes(name))
      .map(([name, field]) => `| \`${name}\` | ${name === 'rule' ? 'rule (condition, medication, procedure, immunization or lab)' : typeOf(field)} | ${schema?.required?.includes(name) && field.default === undefined ? 'yes' : ''} | ${field.default === undefined ? '' : `\`${JSON.stringify(field.default)}\``} |`),
  ];
  return [
    '## Anchors',
    '',
    'Dates a trial counts windows from, declared in the trial file beside `criteria`. Without `fromRecord` the date is given at screening (`--anchor first-dose=2026-07-10`, API `anchors`); not given, windows count from the screening date and say so. With `fromRecord` it is an event of the record: the `rule` picks the events (by codes, status, route, its own window), `take` says which is the anchor and `date` whether its start or end counts. No such event is `unknown` (`absentIs: "false"` where the protocol makes its absence decide: every rule counting from it is then not met). An event that could be the first or last but has no date, no end yet (ongoing, unresolved) or cannot be read, and unread data the rule would read, leave the anchor `unknown` with the reason; events after the as-of date are not counted. A date known only to the month or year is tried on each of its days, and a rule counting from it is decided only if every day gives the same answer. An end estimated from an order (a MedicationRequest\'s supply) and an event recognised only by name are confirmed by a person (`review`). The evidence names the anchor event. Anchors may count from one another, never in a cycle; a date cannot be given for an anchor read from the record.',
    '',
    ...table(anchor),
    '',
    '`fromRecord`:',
    '',
    ...table(anchor.properties?.fromRecord),
    '',
    '```yaml',
    'anchors:',
    '  - id: adjuvant-end',
    '    display: the last dose of adjuvant platinum chemotherapy',
    '    fromRecord: { rule: { kind: medication, classes: [platinum_chemotherapy] }, take: last, date: end }',
    'criteria:',
    '  - id: ov.inc.platinum_resistant',
    '    type: inclusion',
    '    text: Recurrence within 6 months after the last dose of adjuvant platinum chemotherapy',
    '    rule: { kind: condition, valueSets: [cancer_recurrence], within: 6mo, direction: after, withinBy: onset, anchor: adjuvant-end }',
    '```',
    '',
  ];
}
