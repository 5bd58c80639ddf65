import type { AnchorDeclaration, AnchorName, CriterionDef, LabCompare, Rule, WindowDirection } from './schema';
import type { Terminology } from './terminology';

/**
 * Each criterion as a person reads it (`eligo validate --explain <trial>`), so a coordinator can
 * check the mapping file against the protocol text: what is read, within which window, compared
 * how, and what no data means. Names come from the terminology's display texts.
 */
export function explainCriterion(criterion: CriterionDef, terminology: Terminology, anchors: readonly AnchorDeclaration[] = []): string {
  const head = `[${criterion.type}] ${criterion.id}${criterion.manual ? ' (manual: stays review, does not block eligible)' : ''}\n  protocol: ${criterion.text}`;
  return `${head}\n${indent(explainRule(criterion.rule, terminology, anchors), '  rule: ')}`;
}

/** A trial's anchor: given at screening, or which event of the record it is and what its absence means. */
export function explainAnchor(anchor: AnchorDeclaration, terminology: Terminology, anchors: readonly AnchorDeclaration[] = []): string {
  const from = anchor.fromRecord;
  if (!from) return `[anchor] ${anchor.id}: ${anchor.display}, given at screening (--anchor ${anchor.id}=YYYY-MM-DD); not given: windows count from screening`;
  const which = from.date === 'end' ? 'its end (abatement, the end of an exposure)' : 'its start (onset, the start of an exposure, the date performed or taken)';
  // What "none recorded" means for the event rule is said for the anchor as a whole below.
  // An answer rule reads the latest answer; as an anchor it picks every result answered so.
  const events = (from.rule.kind === 'answer' ? explainRule(from.rule, terminology, anchors).replace(/^the latest (.*?) answered (.*?); no result: unknown; another coded answer: not met$/, 'a $1 result answered $2') : explainRule(from.rule, terminology, anchors)).replace(/; none recorded: not present$/, '');
  return `[anchor] ${anchor.id}: ${anchor.display}, read from the record: the ${from.take} of\n${indent(events, '  ')}\n  dated by ${which}; none in the record: ${from.absentIs === 'false' ? 'every rule counting from it is not met' : 'unknown'}; one undated, unended or unreadable that could be the ${from.take}: unknown`;
}

function indent(text: string, first: string): string {
  const pad = ' '.repeat(first.length);
  return text
    .split('\n')
    .map((line, i) => `${i === 0 ? first : pad}${line}`)
    .join('\n');
}


function compareText(compare: LabCompare): string {
  if ('uln' in compare) return `${compare.op} ${compare.uln} × upper limit of normal`;
  // "1" is UCUM's unit of a plain ratio: "< 0.5", not "< 0.5 1".
  if ('unit' in compare) return compare.unit === '1' ? `${compare.op} ${compare.value}` : `${compare.op} ${compare.value} ${compare.unit}`;
  if ('is' in compare) return `is ${compare.is.replace('_', ' ')}`;
  return `titer at least ${compare.titerAtLeast}`;
}

export function explainRule(rule: Rule, t: Terminology, anchors: readonly AnchorDeclaration[] = []): string {
  const anchorText = (anchor: AnchorName): string => (anchor === 'asOf' ? 'screening' : (anchors.find((a) => a.id === anchor)?.display ?? anchor));
  const side = (r: { within?: string; anchor: AnchorName; direction?: WindowDirection }): string =>
    r.within === undefined ? `any time after ${anchorText(r.anchor)} (up to screening)` : `within ${r.within} ${r.direction ?? 'before'} ${anchorText(r.anchor)}`;
  // A window is written as `within`, or as direction: after alone (any time after the anchor).
  const windowed = (r: { within?: string; direction?: WindowDirection }): boolean => r.within !== undefined || r.direction === 'after';
  const analyte = (key: string): string => t.analytes.get(key)?.def.display ?? key;
  const valueSets = (keys: string[]): string => keys.map((k) => t.valueSetDefs.get(k)?.display ?? k).join(' or ');
  const classes = (keys: string[]): string => keys.map((k) => t.classDisplay.get(k) ?? t.ingredients.get(k)?.def.display ?? k).join(' or ');
  const list = (word: string, rules: Rule[]): string => `${word}:\n${rules.map((r) => indent(explainRule(r, t, anchors), '- ')).join('\n')}`;
  switch (rule.kind) {
    case 'all':
      return list('all of', rule.of);
    case 'any':
      return list('any of', rule.of);
    case 'measures':
      return list('whichever of these measures was taken decides (one not taken is not missing data)', rule.of);
    case 'at_least':
      return list(`at least ${rule.n} of`, rule.of);
    case 'not':
      return indent(explainRule(rule.rule, t, anchors), 'NOT ');
    case 'confirm':
      return `${explainRule(rule.rule, t, anchors)}\nthen a person confirms: ${rule.reason}`;
    case 'manual':
      return `a person decides: ${rule.reason}`;
    case 'criterion':
      return `the result of criterion ${rule.id}`;
    case 'age':
      return `age${rule.min !== undefined ? ` at least ${rule.min}` : ''}${rule.max !== undefined ? ` at most ${rule.max}` : ''} years at screening; no birth date: unknown`;
    case 'sex':
      return `sex is ${rule.is}; not recorded: unknown`;
    case 'condition':
      return `a Condition in ${valueSets(rule.valueSets)}${rule.status === 'active' ? ', active' : ''}${windowed(rule) ? `, ${rule.withinBy === 'onset' ? 'starting' : 'present'} ${side(rule)}${rule.withinBy === 'onset' ? ' (by its onset; with none, recorded before the window: not new in it; recorded in it or later: a person confirms when it began)' : ''}` : ''}${rule.onsetAtLeast ? `, diagnosed at least ${rule.onsetAtLeast} before ${anchorText(rule.anchor)} (by its onset; with no onset, recorded by then; a partial or missing date that cannot tell: unknown)` : ''}${rule.unlessResolvedFor ? `, unless resolved more than ${rule.unlessResolvedFor} ago` : ''}${rule.includeFindings ? ' (also coded findings and report conclusions)' : ''}; none recorded: not present`;
    case 'lab':
      return `${rule.select === 'ever' ? 'any result of' : 'the latest'} ${analyte(rule.analyte)}${rule.select === 'latest' ? ` within ${rule.lookback ?? t.analytes.get(rule.analyte)?.def.lookback ?? '30d'} before ${anchorText(rule.anchor)}` : ''} ${compareText(rule.compare)}${rule.notAfterMedication ? ` (not counting results within ${rule.notAfterMedication.within} after ${classes(rule.notAfterMedication.classes)})` : ''}${rule.persistsFor ? `, and so a result at least ${rule.persistsFor} older` : ''}${rule.confirmedWithin ? `, confirmed by a repeat result that qualifies too, a day to ${rule.confirmedWithin} before it (none: unknown, the repeat may be still to come)` : ''}; no usable result: ${rule.absentIs === 'false' ? 'not present' : 'unknown'}`;
    case 'medication':
      return `${classes(rule.classes)}${rule.systemicOnly ? ' (systemic)' : ''}${rule.ongoing ? ` ongoing at ${anchorText(rule.anchor)}` : ''}${windowed(rule) ? ` ${side(rule)}` : rule.ongoing ? '' : ` at any time up to ${anchorText(rule.anchor)}`}${rule.minDuration ? `, for at least ${rule.minDuration} in all` : ''}${rule.maxDuration ? `, for at most ${rule.maxDuration} in all (an exposure whose end, route or dose is not recorded and could make it longer: unknown)` : ''}${rule.prednisoneMgPerDay ? `, at ${rule.prednisoneMgPerDay.op} ${rule.prednisoneMgPerDay.value} mg/day prednisone-equivalent` : ''}${rule.routes ? `, given ${rule.routes.join(' or ')} (no route recorded: review)` : ''}${rule.doseMgPerDay ? `, at ${rule.doseMgPerDay.op} ${rule.doseMgPerDay.value} mg/day` : ''}${rule.stableFor ? `, the same dose every day for ${rule.stableFor}` : ''}${rule.notDuring ? `, not counting the days within ${valueSets(rule.notDuring)} (onset to abatement; a date not recorded, or a partial one, that could change the answer: unknown)` : ''}`;
    case 'washout':
      return `none of ${[...rule.medicationClasses.map((c) => classes([c])), ...rule.vaccineValueSets.map((v) => t.valueSetDefs.get(v)?.display ?? v)].join(', ')} within ${rule.window} before ${anchorText(rule.anchor)}${rule.prednisoneMgPerDayAbove !== undefined ? ` (corticosteroids above ${rule.prednisoneMgPerDayAbove} mg/day prednisone-equivalent)` : ''}`;
    case 'immunization':
      return `an immunization in ${valueSets(rule.valueSets)}${windowed(rule) ? ` ${side(rule)}` : ''}`;
    case 'procedure':
      if (rule.planned) {
        return `a planned procedure in ${valueSets(rule.valueSets)} (a standing ServiceRequest, or a Procedure in preparation)${rule.horizon ? ` scheduled within ${rule.horizon} after ${anchorText(rule.anchor)}` : ''}; a draft, on-hold or proposed one, or one whose date has passed: a person confirms; none: not planned`;
      }
      return `${rule.minCount > 1 ? `at least ${rule.minCount} procedures` : 'a procedure'} in ${valueSets(rule.valueSets)}${windowed(rule) ? ` ${side(rule)}` : ''}${rule.maxInterval ? `, each within ${rule.maxInterval} of the previous` : ''}${rule.bodySites ? `, done to ${valueSets(rule.bodySites)} (its body site; one with no site recorded: unknown)` : ''}`;
    case 'encounter':
      return `${rule.minCount > 1 ? `at least ${rule.minCount} ` : 'a '}${[...rule.classes, ...rule.types.map((k) => t.valueSetDefs.get(k)?.display ?? k)].join(' or ')} stay${rule.minCount > 1 ? 's' : ''} (Encounter)${rule.reasons.length > 0 ? ` for ${valueSets(rule.reasons)} (its reason or primary diagnosis; a secondary diagnosis or no reason recorded: a person confirms)` : ''}${windowed(rule) ? ` ${side(rule)} (a stay with no period: unknown)` : ''}; none: not present`;
    case 'family_history':
      return `a ${rule.relatives === 'any' ? '' : `${rule.relatives} `}relative with ${valueSets(rule.valueSets)} (FamilyMemberHistory); none in a completed family history or "no known family history": not present; a relative's history unknown, only partial records${rule.absentIs === 'unknown' ? ', or no family history recorded' : ''}: unknown${rule.absentIs === 'false' ? '; no family history recorded: not present' : ''}`;
    case 'allergy':
      return `${rule.severeOnly ? 'a severe ' : 'an '}allergy to ${rule.anyMedication ? 'any medication' : [...rule.medicationClasses.map((c) => classes([c])), ...rule.valueSets.map((v) => t.valueSetDefs.get(v)?.display ?? v)].join(' or ')}`;
    case 'enrolled_elsewhere':
      return `enrolled in another study (ResearchSubject status ${rule.statuses.join(', ')})`;
    case 'trend':
      return `${analyte(rule.analyte)} ${rule.direction === 'increase' ? 'increased' : 'decreased'} by ${rule.inclusive ? 'at least' : 'more than'} ${rule.by}${rule.measure === 'relative' ? ' %' : ` ${t.analytes.get(rule.analyte)?.def.unit ?? ''}`} within ${rule.window} before ${anchorText(rule.anchor)}`;
    case 'score':
      return `${rule.name} computed from its items (${rule.domains.map((d) => d.name).join(', ')}) at least ${rule.threshold}${rule.recorded ? `, or the recorded total (${analyte(rule.recorded.analyte)})` : ''}`;
    case 'cockcroft_gault':
      return `creatinine clearance by Cockcroft-Gault (${analyte(rule.creatinine)}, ${analyte(rule.weight)}, age, sex) at least ${rule.minMlPerMin} mL/min${rule.measuredClearance ? `, or a measured ${analyte(rule.measuredClearance)}` : ''}`;
    case 'computed':
      return `${rule.formula} computed from ${Object.entries(rule.inputs).map(([input, key]) => `${input} = the latest ${analyte(key)}`).join(', ')}, ${compareText(rule.compare)}; an input missing: unknown`;
    case 'medication_count':
      return `${rule.min !== undefined && rule.max !== undefined ? `${rule.min} to ${rule.max}` : rule.min !== undefined ? `at least ${rule.min}` : `at most ${rule.max ?? 0}`} ${rule.count === 'ingredients' ? 'distinct drugs' : rule.count === 'classes' ? 'drug classes' : `courses (a gap of ${rule.gap} starts a new one)`} of ${classes(rule.classes)}${windowed(rule) ? ` ${side(rule)}` : ' before ' + anchorText(rule.anchor)}`;
    case 'answer':
      return `the latest ${analyte(rule.observation)}${rule.lookback ? ` within ${rule.lookback}` : ''} answered ${valueSets(rule.in)}; no result: unknown; another coded answer: not met`;
  }
}
