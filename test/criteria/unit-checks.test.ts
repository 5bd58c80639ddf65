import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateMappings } from '../../src/mapping/compile';
import { ruleReference } from '../../src/mapping/rule-reference';
import { cli } from '../cli/run';

/**
 * Units are checked when the mappings load (issue: a wrong unit for eGFR, an invalid one, HbA1c
 * in mmol/mol compared as %): every mistake is an `eligo validate` error naming the file, the
 * line and what to write instead, never a comparison at screening time.
 */
const ROOT = path.resolve(__dirname, '../..');

function mappingsWith(trialYaml: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'eligo-units-'));
  cpSync(path.join(ROOT, 'mappings', 'terminology'), path.join(dir, 'terminology'), { recursive: true });
  cpSync(path.join(ROOT, 'mappings', 'trials'), path.join(dir, 'trials'), { recursive: true });
  writeFileSync(path.join(dir, 'trials', 'units-trial.yaml'), trialYaml);
  return dir;
}

const trial = (criteria: string): string => `id: units-trial\ntitle: Units trial\ncriteria:\n${criteria}`;

describe('unit checks when the mappings load', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const issuesOf = (criteria: string): { path: string; line?: number; message: string }[] => {
    const dir = mappingsWith(trial(criteria));
    dirs.push(dir);
    return validateMappings(dir).issues;
  };

  it('refuses a threshold in a unit that does not convert to the analyte\'s (eGFR in mL/min), naming the unit to write', () => {
    const issues = issuesOf(`  - id: u.inc.egfr\n    type: inclusion\n    text: eGFR >= 60\n    rule: { kind: lab, analyte: egfr, compare: { op: ">=", value: 60, unit: mL/min } }\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'criteria[0].rule.compare.unit', line: 7 });
    expect(issues[0]?.message).toMatch(/unit "mL\/min" cannot be compared with Estimated glomerular filtration rate .* \(in "mL\/min\/\{1\.73_m2\}"\).*write the threshold in "mL\/min\/\{1\.73_m2\}"/);
  });

  it('suggests the amount per litre for an amount written without its volume (glucose in mmol), without the library\'s apology', () => {
    const issues = issuesOf(`  - id: u.exc.fpg\n    type: exclusion\n    text: FPG > 15 mmol/L\n    rule: { kind: not, rule: { kind: lab, analyte: fasting_glucose, compare: { op: ">", value: 15, unit: mmol } } }\n`);
    expect(issues.map((i) => i.path)).toEqual(['criteria[0].rule.rule.compare.unit']);
    expect(issues[0]?.message).toMatch(/write the threshold in "mmol\/L" \(an amount per volume/);
    expect(issues[0]?.message).not.toMatch(/Sorry/);
  });

  it('refuses a unit that is not UCUM (kgm2)', () => {
    const issues = issuesOf(`  - id: u.inc.bmi\n    type: inclusion\n    text: BMI >= 30\n    rule: { kind: computed, formula: bmi, inputs: { weight: body_weight, height: body_height }, compare: { op: ">=", value: 30, unit: kgm2 } }\n`);
    expect(issues.map((i) => i.path)).toEqual(['criteria[0].rule.compare.unit']);
    expect(issues[0]?.message).toMatch(/bmi gives "kg\/m2"; the threshold's unit "kgm2" does not convert/);
  });

  it('refuses another dimensionless scale unless the analyte declares the conversion (HbA1c % vs mmol/mol declared; vs {ratio} not)', () => {
    expect(issuesOf(`  - id: u.inc.a1c\n    type: inclusion\n    text: HbA1c <= 53 mmol/mol\n    rule: { kind: lab, analyte: hba1c, compare: { op: "<=", value: 53, unit: mmol/mol } }\n`)).toEqual([]);
    const issues = issuesOf(`  - id: u.inc.a1c\n    type: inclusion\n    text: HbA1c\n    rule: { kind: lab, analyte: hba1c, compare: { op: "<=", value: 0.07, unit: "{ratio}" } }\n`);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toMatch(/declared scales "mmol\/mol"/);
  });

  it('checks a formula\'s inputs: their names, and that each analyte converts to the unit the formula reads', () => {
    const issues = issuesOf(`  - id: u.inc.bmi\n    type: inclusion\n    text: BMI\n    rule: { kind: computed, formula: bmi, inputs: { weight: body_weight, size: body_height }, compare: { op: ">=", value: 30, unit: kg/m2 } }\n  - id: u.inc.bmi2\n    type: inclusion\n    text: BMI\n    rule: { kind: computed, formula: bmi, inputs: { weight: body_weight, height: creatinine }, compare: { op: ">=", value: 30, unit: kg/m2 } }\n`);
    expect(issues.map((i) => i.message)).toEqual([
      expect.stringMatching(/formula bmi takes the inputs weight, height; missing: height; not an input of it: size/),
      expect.stringMatching(/input height of bmi is read in "cm", and Serum creatinine .* does not convert to it/),
    ]);
  });

  it('is what eligo validate prints, with file and line, and exit code 2', async () => {
    const dir = mappingsWith(trial(`  - id: u.inc.egfr\n    type: inclusion\n    text: eGFR >= 60\n    rule: { kind: lab, analyte: egfr, compare: { op: ">=", value: 60, unit: mL/min } }\n`));
    dirs.push(dir);
    const run = await cli('validate', '--mappings', dir);
    expect(run.code).toBe(2);
    expect(run.stdout + run.stderr).toMatch(/units-trial\.yaml:7.*unit "mL\/min" cannot be compared/);
  });
});

describe('eligo validate --explain', () => {
  it('prints every criterion of a trial as a person reads it: what is read, the window, the comparison, and what no data means', async () => {
    const run = await cli('validate', '--explain', 'ssc-cart');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\[inclusion\] ssc\.inc\.age\n {2}protocol: /m);
    expect(run.stdout).toMatch(/the latest .* within \d+(d|mo) before screening .*; no usable result: unknown/);
    expect(run.stdout).toMatch(/a person decides: /);
    expect((run.stdout.match(/^\[(inclusion|exclusion)\]/gm) ?? []).length).toBeGreaterThan(10);
    expect(await cli('validate', '--explain', 'no-such-trial')).toMatchObject({ code: 2, stderr: expect.stringMatching(/no trial "no-such-trial"; the mappings define .*sle-cart/) });
  });
});

describe('validation messages that say what to write instead', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const messagesOf = (criteria: string): string[] => {
    const dir = mappingsWith(trial(criteria));
    dirs.push(dir);
    return validateMappings(dir).issues.map((i) => `${i.line ?? '?'}: ${i.path}: ${i.message}`);
  };
  const criterion = (rule: string): string => `  - id: v.inc.x\n    type: inclusion\n    text: x\n    rule: ${rule}\n`;

  it('names the missing field of the nearest form, and lists the accepted forms', () => {
    expect(messagesOf(criterion('{ kind: lab, analyte: creatinine, compare: { op: "<=", value: 1.5 } }'))).toEqual([
      expect.stringMatching(/^7: criteria\[0\]\.rule\.compare: compare is missing "unit"; compare is one of \{ op, value, unit \}/),
    ]);
  });

  it('suggests the field, kind or name that was meant', () => {
    expect(messagesOf(criterion('{ kind: lab, analyt: creatinine, analyte: creatinine, compare: { op: "<=", value: 1.5, unit: mg/dL } }'))).toEqual([expect.stringMatching(/unknown field "analyt"; did you mean "analyte"\?/)]);
    expect(messagesOf(criterion('{ kind: labb, analyte: creatinine }'))).toEqual([expect.stringMatching(/criteria\[0\]\.rule\.kind: unknown kind; did you mean "lab"\?; one of all, any/)]);
    expect(messagesOf(criterion('{ kind: lab, analyte: creatinin, compare: { op: "<=", value: 1.5, unit: mg/dL } }'))).toEqual([expect.stringMatching(/unknown analyte "creatinin": no such analyte in mappings\/terminology; did you mean "creatinine"\?/)]);
  });

  it('names line and column, for schema errors and YAML syntax errors alike, all in one pass', async () => {
    const dir = mappingsWith(trial(`  - id: v.inc.x\n    type: inclusion\n    text: x\n    rule: { kind: lab, analyt: creatinine }\n  - id: v.inc.y\n    type: inclusion\n    text: [unclosed\n`));
    dirs.push(dir);
    const run = await cli('validate', '--mappings', dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/units-trial\.yaml:\d+:\d+: .*(not valid YAML|unknown field)/);
  });

  it('asks for "false" in quotes where a boolean was written', () => {
    expect(messagesOf(criterion('{ kind: lab, analyte: creatinine, compare: { op: "<=", value: 1.5, unit: mg/dL }, absentIs: false }'))).toEqual([expect.stringMatching(/absentIs: write "false" in quotes/)]);
  });
});

describe('the rule reference', () => {
  it('docs/rules.md is what the schema generates (npm run docs:rules), with every kind explained', () => {
    const text = ruleReference();
    expect(readFileSync(path.join(ROOT, 'docs', 'rules.md'), 'utf8')).toBe(text);
    for (const section of text.split('\n## ').slice(1)) expect({ section: section.split('\n')[0], explained: section.split('\n')[2] !== '' }).toEqual({ section: section.split('\n')[0], explained: true });
  });
});

describe('static checks', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const messagesOf = (criteria: string): string[] => {
    const dir = mappingsWith(trial(criteria));
    dirs.push(dir);
    return validateMappings(dir).issues.map((i) => i.message);
  };
  it('refuses thresholds on one latest result that no value satisfies, in the analyte\'s unit', () => {
    expect(messagesOf(`  - id: s.inc.cr\n    type: inclusion\n    text: creatinine\n    rule: { kind: all, of: [ { kind: lab, analyte: creatinine, compare: { op: ">=", value: 2, unit: mg/dL } }, { kind: lab, analyte: creatinine, compare: { op: "<", value: 100, unit: umol/L } } ] }\n`)).toEqual([
      expect.stringMatching(/thresholds on the latest Serum creatinine \(>= 2 and < 1\.13\d*\) leave no value: the criterion could never be met/),
    ]);
    expect(messagesOf(`  - id: s.inc.age\n    type: inclusion\n    text: age\n    rule: { kind: age, min: 70, max: 18 }\n`)).toEqual([expect.stringMatching(/age min 70 is more than max 18/)]);
  });

  it('refuses a value set that can match nothing', () => {
    const dir = mappingsWith(trial(`  - id: s.inc.ok\n    type: inclusion\n    text: age\n    rule: { kind: age, min: 18 }\n`));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'terminology', 'empty.yaml'), 'valueSets:\n  nothing_here:\n    display: Nothing\n');
    expect(validateMappings(dir).issues.map((i) => `${i.path}: ${i.message}`)).toEqual(['valueSets.nothing_here: the value set lists no codes, names or included value sets: it can match nothing']);
  });

  it('notes terminology no trial uses, without failing', async () => {
    const run = await cli('validate');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/note: \d+ terminology entries no trial uses: /);
    // A class a used class includes is used through it (immunosuppressants_other includes jak_inhibitors).
    expect(run.stdout).not.toMatch(/medication class jak_inhibitors/);
  });
});
