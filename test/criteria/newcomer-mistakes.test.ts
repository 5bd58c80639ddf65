import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cli } from '../cli/run';

/**
 * Issue 11: "every mistake in a mapping file caught by eligo validate with a message that says
 * what to write instead". Each case is a slip a newcomer made writing the three trials
 * (docs/newcomer-trials.md), made on a copy of the shipped mappings and run through the CLI.
 */
const ROOT = path.resolve(__dirname, '../..');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** `eligo validate` on the shipped mappings with one text in one file replaced. */
async function validateWith(file: string, from: string, to: string): Promise<{ code: number; stderr: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'eligo-mistake-'));
  dirs.push(dir);
  cpSync(path.join(ROOT, 'mappings'), dir, { recursive: true });
  const target = path.join(dir, file);
  const text = readFileSync(target, 'utf8');
  if (!text.includes(from)) throw new Error(`not in ${file}: ${from}`);
  writeFileSync(target, text.replace(from, to));
  const run = await cli('validate', '--mappings', dir);
  return { code: run.code, stderr: run.stderr };
}

describe('eligo validate says what to write instead', () => {
  it('warns about an exclusion written as what excludes, which would invert it', async () => {
    const run = await validateWith('trials/mg-cart.yaml', 'rule: { kind: not, rule: { kind: condition, valueSets: [cns_disease] } }', 'rule: { kind: condition, valueSets: [cns_disease] }');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: .*mg-cart\.yaml:\d+:\d+: criteria\[\d+\]\.rule: exclusion mg\.exc\.cns .*wrap what excludes in \{ kind: not, rule: \.\.\. \}/m);
  });

  it('warns about an ingredient named where its class was meant (insulin for insulins), with the class to write', async () => {
    const run = await validateWith('trials/sota-met.yaml', '{ kind: medication, classes: [insulins], maxDuration: 1mo, notDuring', '{ kind: medication, classes: [insulin], maxDuration: 1mo, notDuring');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: .*sota-met\.yaml:\d+:\d+: criteria\[\d+\]\.rule\.[^:]*classes\[0\]: "insulin" is one ingredient, not a class; the class "insulins" holds more/m);
  });

  it('refuses notDuring with no duration to count, saying which to add', async () => {
    const run = await validateWith('trials/sota-met.yaml', '{ kind: medication, classes: [insulins], maxDuration: 1mo, notDuring: [gestational_diabetes_in_pregnancy] }', '{ kind: medication, classes: [insulins], notDuring: [gestational_diabetes_in_pregnancy] }');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/sota-met\.yaml:\d+:\d+: .*notDuring: notDuring leaves out the days of exposure within those conditions, so it needs minDuration or maxDuration/);
  });

  it('refuses a repeat test written together with persistsFor, saying which one means what', async () => {
    const run = await validateWith('trials/sota-met.yaml', 'confirmedWithin: 4w }', 'confirmedWithin: 4w, persistsFor: 1d }');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/sota-met\.yaml:\d+:\d+: .*confirmedWithin: write one of persistsFor \(a result that much older must qualify too: a finding that lasts\) and confirmedWithin/);
  });

  it('refuses a repeat test on any result ever', async () => {
    const ever = await validateWith('trials/sota-met.yaml', 'confirmedWithin: 4w }', 'confirmedWithin: 4w, select: ever }');
    expect(ever.code).toBe(2);
    expect(ever.stderr).toMatch(/confirmedWithin: confirmedWithin confirms the latest result by a repeat; with select: ever any result counts/);
  });

  it('names a misspelt body-site value set with the one meant, and refuses a body site on a planned procedure', async () => {
    const misspelt = await validateWith('trials/mg-cart.yaml', 'bodySites: [thymus_site]', 'bodySites: [thymus_sites]');
    expect(misspelt.code).toBe(2);
    expect(misspelt.stderr).toMatch(/mg-cart\.yaml:\d+:\d+: .*bodySites\[0\]: unknown valueSet "thymus_sites".*; did you mean "thymus_site"\?/);
    const planned = await validateWith('trials/mg-cart.yaml', '{ kind: procedure, valueSets: [thymectomy], planned: true }', '{ kind: procedure, valueSets: [thymectomy], planned: true, bodySites: [thymus_site] }');
    expect(planned.code).toBe(2);
    expect(planned.stderr).toMatch(/bodySites: bodySites reads where a procedure was done \(Procedure\.bodySite\); a planned procedure is read from its request/);
  });

  it('asks for a list where one name is written for a list of names', async () => {
    const run = await validateWith('trials/mg-cart.yaml', 'bodySites: [thymus_site]', 'bodySites: thymus_site');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/mg-cart\.yaml:\d+:\d+: .*bodySites: a list is wanted here, even of one: write \[thymus_site\]/);
  });

  it('refuses a stable dose written with a prednisone-equivalent bound, which it would not read', async () => {
    const run = await validateWith('trials/sota-met.yaml', '{ kind: medication, classes: [biguanides], ongoing: true, stableFor: 12w }', '{ kind: medication, classes: [biguanides], ongoing: true, stableFor: 12w, prednisoneMgPerDay: { op: ">", value: 5 } }');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/stableFor: stableFor reads the daily dose of the drug itself, so it does not go with prednisoneMgPerDay or notDuring/);
  });

  it('warns about an exclusion whose any holds only presences, a confirm of one among them', async () => {
    const run = await validateWith(
      'trials/mg-cart.yaml',
      'rule: { kind: not, rule: { kind: condition, valueSets: [cns_disease] } }',
      'rule: { kind: any, of: [{ kind: condition, valueSets: [cns_disease] }, { kind: confirm, reason: the investigator judges it, rule: { kind: condition, valueSets: [cns_disease] } }] }',
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: .*mg-cart\.yaml:\d+:\d+: criteria\[\d+\]\.rule: exclusion mg\.exc\.cns .*wrap what excludes in \{ kind: not, rule: \.\.\. \}/m);
  });

  it('refuses a code system it does not know, naming the short names and the one meant', async () => {
    const run = await validateWith('terminology/myasthenia.yaml', '{ system: snomed, code: "9875009", display: "Thymus structure" }', '{ system: snomedct, code: "9875009", display: "Thymus structure" }');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/myasthenia\.yaml:\d+:\d+: valueSets\.thymus_site\.codes\[0\]\.system: unknown code system "snomedct": write a short name \(loinc, snomed, .*\) or the system's URI; did you mean "snomed"\?/);
  });

  it('suggests the name meant for a slip of case, an anchor, a longer value-set name and a field another rule takes', async () => {
    const caseSlip = await validateWith('trials/sota-met.yaml', 'confirmedWithin: 4w', 'confirmedwithin: 4w');
    expect(caseSlip.stderr).toMatch(/unknown field "confirmedwithin"; did you mean "confirmedWithin"\?/);
    const anchorSlip = await validateWith('trials/checkmate-057.yaml', 'within: 7d, anchor: first-platinum-advanced }', 'within: 7d, anchor: first_platinum_advanced }');
    expect(anchorSlip.stderr).toMatch(/unknown anchor "first_platinum_advanced": .*; did you mean "first-platinum-advanced"\?/);
    const longer = await validateWith('trials/mg-cart.yaml', 'bodySites: [thymus_site]', 'bodySites: [thymus_site_any]');
    expect(longer.stderr).toMatch(/unknown valueSet "thymus_site_any".*; did you mean "thymus_site"\?/);
    const otherRules = await validateWith('trials/empa-kidney.yaml', '{ kind: allergy, medicationClasses: [sglt2_inhibitors] }', '{ kind: allergy, classes: [sglt2_inhibitors] }');
    expect(otherRules.stderr).toMatch(/unknown field "classes"; did you mean "medicationClasses"\?/);
  });

  it('warns about a threshold every plausible result meets (100,000 per mm3 written in 10*9/L)', async () => {
    const run = await validateWith('trials/sle-cart.yaml', 'compare: { op: "<", value: 100, unit: 10*9/L } } }', 'compare: { op: "<", value: 100000, unit: 10*9/L } } }');
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^warning: .*sle-cart\.yaml:\d+:\d+: .*compare: every plausible Platelet count \(0 to 5000 10\*9\/L\) is < 100000 10\*9\/L: the threshold decides nothing; check the value and its unit/m);
  });

  it('refuses an ICD range whose bound is not a 3-character category, with the categories to write', async () => {
    const run = await validateWith('terminology/myasthenia.yaml', 'range: ["G00", "G09"]', 'range: ["G00", "G09.9"]');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/myasthenia\.yaml:\d+:\d+: .*range: an ICD range runs over 3-character categories \(every code under them included\): write \["G00", "G09"\]/);
  });

  it('does not warn about an exclusion worded as an absence', async () => {
    const run = await validateWith(
      'trials/mg-cart.yaml',
      'text: History of epilepsy or another central nervous system disease\n    rule: { kind: not, rule: { kind: condition, valueSets: [cns_disease] } }',
      'text: Not free of epilepsy or another central nervous system disease\n    rule: { kind: condition, valueSets: [cns_disease] }',
    );
    expect(run.stderr).not.toMatch(/warning:/);
  });

  it('refuses a threshold no plausible result can meet', async () => {
    const run = await validateWith('trials/mg-cart.yaml', 'analyte: mg_adl_total, compare: { op: ">=", value: 5', 'analyte: mg_adl_total, compare: { op: ">", value: 30');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/mg-cart\.yaml:\d+:\d+: criteria\[\d+\]\.rule\.of\[0\]\.compare: no plausible MG-ADL total score is > 30 \{score\}: results are read as plausible from 0 to 24/);
  });

  it('refuses a coded answer read from a quantity', async () => {
    const run = await validateWith('trials/surmount-1.yaml', 'valueSets: [type1_diabetes, type2_diabetes] }', 'valueSets: [type1_diabetes, type2_diabetes] }\n          - { kind: answer, observation: body_weight, in: [ecog_0] }');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/observation: answer reads the coded value of an observation, and Body weight is a quantity in "kg": compare it with \{ kind: lab, analyte: body_weight/);
  });

  it('refuses an ICD range written backwards, and the trials using its file are not reported as well', async () => {
    const run = await validateWith('terminology/conditions.yaml', 'range: ["I47", "I49"]', 'range: ["I49", "I47"]');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/conditions\.yaml:\d+:\d+: valueSets\.arrhythmia_any\.codes\[0\]\.range: range \["I49", "I47"\] runs backwards: write the lower code first, \["I47", "I49"\]/);
    expect(run.stderr).toMatch(/^eligo: 1 problem\(s\)/m);
  });

  it('names the units a bare number for a duration lacks', async () => {
    const run = await validateWith('trials/empa-kidney.yaml', 'within: 3mo, routes', 'within: 3, routes');
    expect(run.stderr).toMatch(/within: a duration needs its unit: write "3d", "3w", "3mo" or "3y"/);
  });

  it('says a dose is written in mg', async () => {
    const run = await validateWith('trials/empa-kidney.yaml', 'within: 3mo, routes', "within: 3mo, doseMgPerDay: { op: '>', value: 1.5, unit: g }, routes");
    expect(run.stderr).toMatch(/doseMgPerDay: unknown field "unit": a daily dose is in mg: \{ op, value \} with the value in mg/);
  });

  it('takes "any time after" a record anchor as direction: after with no within, and refuses it after the screening date', async () => {
    const ok = await validateWith('trials/dapa-hf.yaml', 'within: 12w, withinBy: onset } }', 'within: 12w, withinBy: onset } }\n  - { id: dh.inc.after_screening, type: inclusion, text: x, rule: { kind: condition, valueSets: [heart_failure], direction: after } }');
    expect(ok.code).toBe(2);
    expect(ok.stderr).toMatch(/direction: after without within is any time after the anchor up to the screening date, so it needs an anchor before screening \(one read from the record, or one given at screening\), not asOf/);
    // The shipped mg-cart writes its anchors this way, and validates.
    const shipped = await cli('validate', '--mappings', path.join(ROOT, 'mappings'));
    expect(shipped.code).toBe(0);
  });

  it('suggests ">=" for "=>"', async () => {
    const run = await validateWith('trials/surmount-1.yaml', 'op: ">=", value: 6.5', 'op: "=>", value: 6.5');
    expect(run.stderr).toMatch(/did you mean ">="\?/);
  });

  it('reports a misspelt required field once, as the unknown field it is', async () => {
    const run = await validateWith('trials/surmount-1.yaml', 'valueSets: [type1_diabetes, type2_diabetes]', 'valueSet: [type1_diabetes, type2_diabetes]');
    expect(run.stderr).toMatch(/unknown field "valueSet"; did you mean "valueSets"\?/);
    expect(run.stderr).not.toMatch(/received undefined/);
    expect(run.stderr).toMatch(/^eligo: 1 problem\(s\)/m);
  });

  it('suggests the one key a short name begins', async () => {
    const run = await validateWith('trials/mg-cart.yaml', 'analyte: qmg_total, compare', 'analyte: qmg, compare');
    expect(run.stderr).toMatch(/unknown analyte "qmg".*did you mean "qmg_total"\?/);
  });
});

describe('eligo validate --explain, read against the protocol', () => {
  it('gives an absolute trend its unit and a plain ratio no unit', async () => {
    const weight = await cli('validate', '--explain', 'surmount-1');
    expect(weight.stdout).toContain('Body weight increased by more than 5 kg within 3mo before screening');
    const share = await cli('validate', '--explain', 'mg-cart');
    expect(share.stdout).toMatch(/ratio .*< 0\.5(?! 1)/);
  });
});
