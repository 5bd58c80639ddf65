import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateMappings } from '../../src/mapping/compile';
import { cli } from '../cli/run';

/**
 * Issue 11, for the person writing the file: "validation in one pass with a line and column for
 * every problem". Reference errors (an unknown criterion, value set, class, analyte or anchor),
 * cycles, and the terminology's own mistakes are found after parsing; each is reported at the line
 * and column of the name that is wrong, all in one run of `eligo validate`.
 */
const ROOT = path.resolve(__dirname, '../..');

const TRIAL = `id: refs-trial
title: Reference errors
anchors:
  - id: first-mi
    display: the first infarction
    fromRecord: { rule: { kind: condition, valueSets: [myocardial_infarctio] }, take: first }
  - id: a-one
    display: one
    fromRecord: { rule: { kind: procedure, valueSets: [coronary_revascularization_or_valve], within: 1y, anchor: a-two }, take: last }
  - id: a-two
    display: two
    fromRecord: { rule: { kind: procedure, valueSets: [coronary_revascularization_or_valve], within: 1y, anchor: a-one }, take: last }
  - id: a-three
    display: three
    fromRecord: { rule: { kind: procedure, valueSets: [coronary_revascularization_or_valve], within: 1y, anchor: randomisation }, take: last }
criteria:
  - id: r.inc.criterion
    type: inclusion
    text: another criterion
    rule: { kind: criterion, id: r.inc.nope }
  - id: r.inc.valueset
    type: inclusion
    text: heart failure
    rule: { kind: condition, valueSets: [heart_failur] }
  - id: r.inc.class
    type: inclusion
    text: insulin
    rule:
      kind: medication
      classes: [antimalarial]
  - id: r.inc.analyte
    type: inclusion
    text: creatinine
    rule: { kind: lab, analyte: creatinin, compare: { op: "<=", value: 1.5, unit: mg/dL } }
  - id: r.inc.anchor
    type: inclusion
    text: heart failure after the infarction
    rule: { kind: condition, valueSets: [heart_failure], within: 30d, direction: after, anchor: first-m }
  - id: r.inc.cycle_a
    type: inclusion
    text: a
    rule: { kind: criterion, id: r.inc.cycle_b }
  - id: r.inc.cycle_b
    type: inclusion
    text: b
    rule: { kind: criterion, id: r.inc.cycle_a }
  - id: r.inc.after_screening
    type: inclusion
    text: heart failure after screening
    rule: { kind: condition, valueSets: [heart_failure], within: 30d, direction: after }
  - id: r.inc.valueset
    type: inclusion
    text: twice
    rule: { kind: sex, is: female }
`;

const TERMINOLOGY = `valueSets:
  broken_include:
    display: Broken
    codes: [{ system: snomed, code: "84114007" }]
    include: [heart_failur]
  nothing_here:
    display: Nothing
medicationClasses:
  broken_class:
    display: Broken
    ingredients: [prednisolon]
analytes:
  bad_unit:
    display: Bad unit
    unit: kgm2
    codes: [{ system: loinc, code: "99999-9" }]
`;

/** "line:column" of the `nth` place `needle` is written, `skip` characters into it. */
function at(text: string, needle: string, skip = 0, nth = 0): string {
  let index = -1;
  for (let i = 0; i <= nth; i++) index = text.indexOf(needle, index + 1);
  if (index < 0) throw new Error(`not in the text: ${needle}`);
  index += skip;
  const before = text.slice(0, index);
  return `${before.split('\n').length}:${index - before.lastIndexOf('\n')}`;
}

describe('every problem eligo validate reports has a line and a column', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'eligo-positions-'));
    cpSync(path.join(ROOT, 'mappings'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'trials', 'refs-trial.yaml'), TRIAL);
    writeFileSync(path.join(dir, 'terminology', 'broken.yaml'), TERMINOLOGY);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('places each reference error, cycle and terminology mistake on the name that is wrong', () => {
    const issues = validateMappings(dir).issues.map((i) => ({ at: `${path.basename(i.file)}:${String(i.line)}:${String(i.column)}`, path: i.path, message: i.message }));
    const trial = (where: string): string => `refs-trial.yaml:${where}`;
    const terminology = (where: string): string => `broken.yaml:${where}`;
    expect(issues).toEqual(
      expect.arrayContaining([
        { at: trial(at(TRIAL, 'r.inc.nope')), path: 'criteria[0].rule.id', message: 'unknown criterion "r.inc.nope": no such criterion of this trial' },
        { at: trial(at(TRIAL, 'heart_failur]')), path: 'criteria[1].rule.valueSets[0]', message: expect.stringMatching(/^unknown valueSet "heart_failur".*did you mean "heart_failure"\?/) },
        { at: trial(at(TRIAL, 'antimalarial]')), path: 'criteria[2].rule.classes[0]', message: expect.stringMatching(/^unknown medicationClass "antimalarial".*did you mean "antimalarials"\?/) },
        { at: trial(at(TRIAL, 'creatinin,')), path: 'criteria[3].rule.analyte', message: expect.stringMatching(/^unknown analyte "creatinin".*did you mean "creatinine"\?/) },
        { at: trial(at(TRIAL, 'first-m }')), path: 'criteria[4].rule.anchor', message: expect.stringMatching(/^unknown anchor "first-m": .*did you mean "first-mi"\?/) },
        { at: trial(at(TRIAL, 'myocardial_infarctio]')), path: 'anchors[0].fromRecord.rule.valueSets[0]', message: expect.stringMatching(/^unknown valueSet "myocardial_infarctio"/) },
        { at: trial(at(TRIAL, 'randomisation }')), path: 'anchors[3].fromRecord.rule.anchor', message: expect.stringMatching(/^unknown anchor "randomisation"/) },
        { at: trial(at(TRIAL, 'anchor: a-one }', 8)), path: 'anchors[2].fromRecord.rule.anchor', message: expect.stringMatching(/^anchors read from the record count from each other in a cycle: a-one -> a-two -> a-one/) },
        { at: trial(at(TRIAL, 'id: r.inc.cycle_a }', 4)), path: 'criteria[6].rule.id', message: 'criteria refer to each other in a cycle: r.inc.cycle_a -> r.inc.cycle_b -> r.inc.cycle_a' },
        { at: trial(at(TRIAL, 'after }')), path: 'criteria[7].rule.direction', message: expect.stringMatching(/^a window after the screening date lies where no data is read/) },
        { at: trial(at(TRIAL, 'r.inc.valueset', 0, 1)), path: 'criteria[8].id', message: 'duplicate criterion id "r.inc.valueset"' },
        { at: terminology(at(TERMINOLOGY, 'heart_failur]')), path: 'valueSets.broken_include.include[0]', message: expect.stringMatching(/^unknown value set "heart_failur"; did you mean "heart_failure"\?/) },
        { at: terminology(at(TERMINOLOGY, 'display: Nothing')), path: 'valueSets.nothing_here', message: expect.stringMatching(/can match nothing/) },
        { at: terminology(at(TERMINOLOGY, 'prednisolon]')), path: 'medicationClasses.broken_class.ingredients[0]', message: 'unknown ingredient or class "prednisolon"; did you mean "prednisolone"?' },
        { at: terminology(at(TERMINOLOGY, 'kgm2')), path: 'analytes.bad_unit.unit', message: expect.stringMatching(/^unit "kgm2"/) },
      ]),
    );
    expect(issues.filter((i) => !/:\d+:\d+$/.test(i.at))).toEqual([]);
  });

  it('prints them all in one run, each as file:line:column, and exits 2', async () => {
    const run = await cli('validate', '--mappings', dir);
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines.pop()).toMatch(/^eligo: \d+ problem\(s\) in the mapping files$/);
    expect(lines.length).toBeGreaterThanOrEqual(15);
    for (const line of lines) expect(line).toMatch(/^\S+\.yaml:\d+:\d+: \S+: /);
    expect(run.stderr).toContain(`refs-trial.yaml:${at(TRIAL, 'r.inc.nope')}: criteria[0].rule.id: unknown criterion "r.inc.nope"`);
  });
});

describe('anchors read from the record, refused when the mappings load', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const issuesOf = (anchors: string): string[] => {
    const dir = mkdtempSync(path.join(tmpdir(), 'eligo-anchors-'));
    dirs.push(dir);
    cpSync(path.join(ROOT, 'mappings'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'trials', 'anchor-trial.yaml'), `id: anchor-trial\ntitle: Anchors\nanchors:\n${anchors}criteria:\n  - { id: a.inc.sex, type: inclusion, text: female, rule: { kind: sex, is: female } }\n`);
    return validateMappings(dir).issues.map((i) => `${i.path}: ${i.message}`);
  };

  it('refuses an anchor counting from itself', () => {
    expect(issuesOf('  - { id: loop, display: loop, fromRecord: { rule: { kind: procedure, valueSets: [transfusion], within: 1y, anchor: loop }, take: last } }\n')).toEqual([
      expect.stringMatching(/^anchors\[0\]\.fromRecord\.rule\.anchor: anchors read from the record count from each other in a cycle: loop -> loop/),
    ]);
  });

  it('refuses a rule kind that picks no event, and fields that weigh many events together', () => {
    expect(issuesOf('  - { id: old, display: old, fromRecord: { rule: { kind: age, min: 18 }, take: first } }\n')).toEqual([
      'anchors[0].fromRecord.rule.kind: an anchor is read from a condition, medication, procedure, immunization, lab or answer rule, not an age rule',
    ]);
    expect(issuesOf('  - { id: staged, display: staged, fromRecord: { rule: { kind: answer, observation: ecog, in: [ecog_0], lookback: 30d }, take: first } }\n')).toEqual([
      'anchors[0].fromRecord.rule.lookback: lookback does not pick an anchor event: an anchor is one event, picked by its codes, status, route and window; write lookback in the rule that counts from the anchor',
    ]);
    expect(issuesOf('  - { id: steroids, display: steroids, fromRecord: { rule: { kind: medication, classes: [corticosteroids_systemic], minDuration: 3mo }, take: first } }\n')).toEqual([
      expect.stringMatching(/^anchors\[0\]\.fromRecord\.rule\.minDuration: minDuration does not pick an anchor event.*write minDuration in the rule that counts from the anchor/),
    ]);
  });

  it('asks for take, and refuses an anchor declared twice', () => {
    expect(issuesOf('  - { id: mi, display: mi, fromRecord: { rule: { kind: condition, valueSets: [myocardial_infarction] } } }\n')).toEqual([expect.stringMatching(/^anchors\[0\]\.fromRecord\.take: take is first or last/)]);
    expect(issuesOf('  - { id: mi, display: mi }\n  - { id: mi, display: again }\n')).toEqual([expect.stringMatching(/^anchors\[1\]\.id: anchor "mi" is declared twice/)]);
  });
});
