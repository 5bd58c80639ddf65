import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { evaluate } from '../../src/engine/evaluate';
import { getTrial, loadCatalog, type Catalog } from '../../src/mapping/compile';
import { normalise } from '../../src/record/normalise';
import type { CriterionResult } from '../../src/report/types';
import { screenResources } from '../../src/usecases/screen';
import { cli } from '../cli/run';

/**
 * Issue 11, "Trials are data": relations between events. Anchors read from the record (the last
 * dose of adjuvant platinum chemotherapy, the last myocardial infarction), windows after them,
 * an upper bound on cumulative exposure, and "diagnosed at least N months ago". Real mapping files
 * in a mappings folder (the shipped terminology plus a small oncology and insulin file the test
 * adds), loaded and checked as `eligo` loads them; FHIR JSON through the real reader.
 */
const ROOT = path.resolve(__dirname, '../..');
const AS_OF = '2026-06-15';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const SNOMED = 'http://snomed.info/sct';
const PATIENT = { resourceType: 'Patient', id: 'p1', birthDate: '1968-02-11', gender: 'female' };

// The shipped terminology holds cisplatin (RxNorm 2555), carboplatin (40048) and the insulins
// class (insulin glargine 274783 among them); the test adds only a class of its own name.
const EXTRA_TERMINOLOGY = `
medicationClasses:
  platinum_chemotherapy: { display: platinum chemotherapy, ingredients: [cisplatin, carboplatin], atcPrefixes: [L01XA] }
valueSets:
  cancer_recurrence:
    display: Recurrence or metastatic progression of cancer
    codes:
      - { system: icd10cm, range: [C77, C79], display: Secondary malignant neoplasms }
    names: [recurrent ovarian cancer]
  cytoreductive_surgery:
    display: Cytoreductive (debulking) surgery
    codes:
      - { system: "https://ehr.example-hospital.org/procedures", code: DEBULK, display: Cytoreductive surgery }
`;

const PLATINUM_TRIAL = (absentIs = 'unknown'): string => `
id: platinum-resistant
title: Platinum-resistant recurrence after adjuvant chemotherapy
anchors:
  - id: adjuvant-end
    display: the last dose of adjuvant platinum chemotherapy
    fromRecord:
      rule: { kind: medication, classes: [platinum_chemotherapy], routes: [intravenous] }
      take: last
      date: end
      absentIs: "${absentIs}"
criteria:
  - id: pr.inc.recurrence
    type: inclusion
    text: Disease progression or recurrence within 6 months after the last dose of adjuvant platinum chemotherapy
    rule: { kind: condition, valueSets: [cancer_recurrence], within: 6mo, direction: after, withinBy: onset, anchor: adjuvant-end }
`;

const POST_MI_TRIAL = `
id: post-mi
title: After a myocardial infarction
anchors:
  - id: last-mi
    display: the last myocardial infarction
    fromRecord: { rule: { kind: condition, valueSets: [myocardial_infarction] }, take: last, date: start, absentIs: "false" }
criteria:
  - id: pm.exc.hf_after_mi
    type: exclusion
    text: Heart failure within 30 days after a myocardial infarction
    rule: { kind: not, rule: { kind: condition, valueSets: [heart_failure], within: 30d, direction: after, withinBy: onset, anchor: last-mi } }
  - id: pm.inc.revascularised
    type: inclusion
    text: Coronary revascularisation within 7 days after the myocardial infarction
    rule: { kind: procedure, valueSets: [coronary_revascularization_or_valve], within: 7d, direction: after, anchor: last-mi }
  - id: pm.inc.insulin
    type: inclusion
    text: Insulin for at most 14 days in the past year
    rule: { kind: medication, classes: [insulins], within: 1y, maxDuration: 14d }
  - id: pm.inc.hf_diagnosed
    type: inclusion
    text: Heart failure diagnosed at least 3 months before screening
    rule: { kind: condition, valueSets: [heart_failure], onsetAtLeast: 3mo }
`;

const MORE_TRIAL = `
id: relations-more
title: Anchors that count from anchors, from results, and from the first event
anchors:
  - id: debulking
    display: the first cytoreductive surgery
    fromRecord: { rule: { kind: procedure, valueSets: [cytoreductive_surgery] }, take: first }
  - id: adjuvant-end
    display: the last dose of platinum within 6 months after surgery
    fromRecord: { rule: { kind: medication, classes: [platinum_chemotherapy], within: 6mo, direction: after, anchor: debulking }, take: last, date: end }
  - id: neutropenia
    display: the first severe neutropenia
    fromRecord: { rule: { kind: lab, analyte: anc, compare: { op: "<", value: 0.5, unit: 10*9/L } }, take: first }
  - id: first-hf
    display: the first diagnosis of heart failure
    fromRecord: { rule: { kind: condition, valueSets: [heart_failure] }, take: first }
criteria:
  - id: rm.inc.recurrence
    type: inclusion
    text: Recurrence within 6 months after adjuvant platinum (given within 6 months after surgery)
    rule: { kind: condition, valueSets: [cancer_recurrence], within: 6mo, direction: after, withinBy: onset, anchor: adjuvant-end }
  - id: rm.inc.gcsf
    type: inclusion
    text: G-CSF within 7 days after the first severe neutropenia
    rule: { kind: medication, classes: [gcsf], within: 7d, direction: after, anchor: neutropenia }
  - id: rm.inc.mi_before_hf
    type: inclusion
    text: A myocardial infarction within the year before heart failure was first diagnosed
    rule: { kind: condition, valueSets: [myocardial_infarction], within: 1y, withinBy: onset, anchor: first-hf }
`;

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function mappingsWith(...trials: string[]): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'eligo-relations-'));
  dirs.push(dir);
  cpSync(path.join(ROOT, 'mappings', 'terminology'), path.join(dir, 'terminology'), { recursive: true });
  writeFileSync(path.join(dir, 'terminology', 'relations-test.yaml'), EXTRA_TERMINOLOGY);
  mkdirSync(path.join(dir, 'trials'));
  trials.forEach((t, i) => writeFileSync(path.join(dir, 'trials', `trial-${i}.yaml`), t));
  return dir;
}

const catalogWith = (...trials: string[]): Catalog => loadCatalog(mappingsWith(...trials));

let n = 0;
const carboplatinIv = (date: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'MedicationAdministration',
  id: `ma-${++n}`,
  status: 'completed',
  medicationCodeableConcept: { coding: [{ system: RXNORM, code: '40048', display: 'carboplatin' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: date,
  dosage: { route: { coding: [{ system: SNOMED, code: '47625008', display: 'Intravenous route' }] }, dose: { value: 450, unit: 'mg' } },
  ...extra,
});
const condition = (code: { system: string; code?: string; display: string }, onset: Record<string, unknown>): Record<string, unknown> => ({
  resourceType: 'Condition',
  id: `c-${++n}`,
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
  code: code.code ? { coding: [{ system: code.system, code: code.code, display: code.display }] } : { text: code.display },
  subject: { reference: 'Patient/p1' },
  ...onset,
});
const recurrence = (onset: string): Record<string, unknown> => condition({ system: ICD10, code: 'C78.6', display: 'Secondary malignant neoplasm of retroperitoneum and peritoneum' }, { onsetDateTime: onset });
const mi = (onset: string): Record<string, unknown> => condition({ system: ICD10, code: 'I21.4', display: 'Non-ST elevation (NSTEMI) myocardial infarction' }, { onsetDateTime: onset });
const heartFailure = (dates: Record<string, unknown>): Record<string, unknown> => condition({ system: ICD10, code: 'I50.22', display: 'Chronic systolic (congestive) heart failure' }, dates);
const pci = (date: string): Record<string, unknown> => ({
  resourceType: 'Procedure',
  id: `pr-${++n}`,
  status: 'completed',
  code: { coding: [{ system: SNOMED, code: '415070008', display: 'Percutaneous coronary intervention' }] },
  subject: { reference: 'Patient/p1' },
  performedDateTime: date,
});
const debulking = (date: string): Record<string, unknown> => ({
  resourceType: 'Procedure',
  id: `pr-${++n}`,
  status: 'completed',
  code: { coding: [{ system: 'https://ehr.example-hospital.org/procedures', code: 'DEBULK', display: 'Cytoreductive surgery' }] },
  subject: { reference: 'Patient/p1' },
  performedDateTime: date,
});
const anc = (value: number, date: string): Record<string, unknown> => ({
  resourceType: 'Observation',
  id: `obs-${++n}`,
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '751-8', display: 'Neutrophils [#/volume] in Blood by Automated count' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: date,
  valueQuantity: { value, unit: '10*3/uL', system: 'http://unitsofmeasure.org', code: '10*3/uL' },
});
const filgrastim = (date: string): Record<string, unknown> => ({
  resourceType: 'MedicationAdministration',
  id: `ma-${++n}`,
  status: 'completed',
  medicationCodeableConcept: { coding: [{ system: RXNORM, code: '68442', display: 'filgrastim' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: date,
});
const insulin = (period: { start?: string; end?: string }, status = 'completed'): Record<string, unknown> => ({
  resourceType: 'MedicationStatement',
  id: `ms-${++n}`,
  status,
  medicationCodeableConcept: { coding: [{ system: RXNORM, code: '274783', display: 'insulin glargine' }] },
  subject: { reference: 'Patient/p1' },
  effectivePeriod: period,
});

function judgeIn(catalog: Catalog, trialId: string, criterionId: string): (resources: object[], asOf?: string) => CriterionResult {
  const trial = getTrial(catalog, trialId);
  return (resources, asOf = AS_OF) => {
    const report = evaluate(trial, normalise([PATIENT, ...resources] as unknown as Resource[]), { asOf }, { version: 'test' });
    const found = report.criteria.find((c) => c.id === criterionId);
    if (!found) throw new Error(`no ${criterionId}`);
    return found;
  };
}

describe('an anchor read from the record: recurrence within 6 months after the last dose of adjuvant platinum', () => {
  const catalog = catalogWith(PLATINUM_TRIAL());
  const judge = judgeIn(catalog, 'platinum-resistant', 'pr.inc.recurrence');
  const course = [carboplatinIv('2025-08-28T10:00:00Z'), carboplatinIv('2025-10-09T10:00:00Z'), carboplatinIv('2025-11-20T10:00:00Z')];

  it('counts the window from the last dose, and the evidence names that administration and its date', () => {
    const r = judge([...course, recurrence('2026-03-10')]);
    expect(r.status).toBe('met');
    expect(r.explanation).toMatch(/within 6 months after the last dose of adjuvant platinum chemotherapy \(2025-11-20\) \(to 2026-05-20\)/);
    expect(r.evidence).toEqual(expect.arrayContaining([{ reference: `MedicationAdministration/${String(course[2]?.id)}`, value: 'carboplatin', date: '2025-11-20', note: 'anchor: the last dose of adjuvant platinum chemotherapy' }]));
    // Not the first dose, nor an earlier one, although the window from them would hold too.
    expect(r.evidence.filter((e) => e.note?.startsWith('anchor:')).map((e) => e.reference)).toEqual([`MedicationAdministration/${String(course[2]?.id)}`]);
  });

  it('is not met for a recurrence more than 6 months after the last dose, or before it', () => {
    expect(judge([...course, recurrence('2026-05-25')]).status).toBe('not_met');
    // During the course: after the first dose, but not after the last.
    expect(judge([...course, recurrence('2025-10-01')]).status).toBe('not_met');
  });

  it('is unknown, saying so, with no platinum in the record; not met where the trial makes that absence decide', () => {
    const none = judge([recurrence('2026-03-10')]);
    expect(none.status).toBe('unknown');
    expect(none.explanation).toMatch(/the last dose of adjuvant platinum chemotherapy: no such event in the record \(platinum chemotherapy given intravenous\)/);
    const decisive = judgeIn(catalogWith(PLATINUM_TRIAL('false')), 'platinum-resistant', 'pr.inc.recurrence');
    expect(decisive([recurrence('2026-03-10')]).status).toBe('not_met');
  });

  it('does not count a dose after the as-of date, and says it left it out', () => {
    const later = carboplatinIv('2026-07-01T10:00:00Z');
    const r = judge([later, recurrence('2026-03-10')]);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toMatch(new RegExp(`MedicationAdministration/${String(later.id)} \\(2026-07-01\\) is dated after the as-of date and not counted`));
  });

  it('tries each day of a dose dated only to the month: decided when every day agrees, unknown with the reason when not', () => {
    const monthOnly = carboplatinIv('2025-11');
    const r = judge([carboplatinIv('2025-08-28T10:00:00Z'), monthOnly, recurrence('2026-03-10')]);
    expect(r.status).toBe('met');
    expect(r.explanation).toMatch(/is dated only 2025-11; every day of it gives this answer/);
    // From 1 November the window ends on 1 May, from 30 November on 30 May.
    const undecided = judge([monthOnly, recurrence('2026-05-15')]);
    expect(undecided.status).toBe('unknown');
    expect(undecided.explanation).toMatch(/is dated only 2025-11: counted from 2025-11-01 the criterion would be not met .*, from 2025-11-15 met; its exact day is needed/);
    expect(undecided.missing).toEqual(['the exact date of the last dose of adjuvant platinum chemotherapy']);
  });

  it('is unknown when a dose that could be the last cannot be read, or is still ongoing', () => {
    const unreadable = judge([...course, carboplatinIv('2025-12-31T25:00:00Z'), recurrence('2026-03-10')]);
    expect(unreadable.status).toBe('unknown');
    expect(unreadable.explanation).toMatch(/the last dose of adjuvant platinum chemotherapy cannot be found for certain: .*effectiveDateTime "2025-12-31T25:00:00Z" is not a valid FHIR date/);
    const ongoing = { resourceType: 'MedicationStatement', id: 'ms-ongoing', status: 'active', medicationCodeableConcept: { coding: [{ system: RXNORM, code: '2555', display: 'cisplatin' }] }, subject: { reference: 'Patient/p1' }, effectivePeriod: { start: '2026-01-05' }, dosage: [{ route: { coding: [{ system: SNOMED, code: '47625008' }] } }] };
    const r = judge([...course, ongoing, recurrence('2026-03-10')]);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toMatch(/cannot be dated: MedicationStatement\/ms-ongoing \(cisplatin\): still ongoing: it has no end yet/);
  });

  it('asks a person to confirm a last dose with no route recorded, since the trial asks for intravenous platinum', () => {
    const noRoute = carboplatinIv('2025-11-20T10:00:00Z', { dosage: { dose: { value: 450, unit: 'mg' } } });
    const r = judge([carboplatinIv('2025-08-28T10:00:00Z'), noRoute, recurrence('2026-03-10')]);
    expect(r.status).toBe('review');
    expect(r.confirm).toMatch(/carboplatin has no route recorded: confirm it was given intravenous/);
  });

  it('does not take a recordedDate for the onset: recorded in the window it may have begun before, so a person confirms; recorded before, it began before', () => {
    const recorded = (fields: Record<string, unknown>): Record<string, unknown> => ({ ...recurrence('2026-03-10'), onsetDateTime: undefined, ...fields });
    // Recorded 2026-03-12, within the 6 months after 2025-11-20: it may be a recurrence found before the last dose.
    const inWindow = judge([...course, recorded({ recordedDate: '2026-03-12' })]);
    expect(inWindow.status).toBe('review');
    expect(inWindow.confirm).toMatch(/no onset recorded; recorded on 2026-03-12, which only says it began by then: confirm it began within 6 months after the last dose of adjuvant platinum chemotherapy \(2025-11-20\)/);
    // Recorded before the last dose: it had begun by then, so it is not a recurrence after it.
    expect(judge([...course, recorded({ recordedDate: '2025-10-01' })]).status).toBe('not_met');
    // Recorded after the window: it may have begun in it, or after.
    expect(judge([...course, recorded({ recordedDate: '2026-06-01' })]).status).toBe('review');
    const noDate = judge([...course, recorded({})]);
    expect(noDate.status).toBe('unknown');
    expect(noDate.explanation).toMatch(/no onset recorded and no recordedDate/);
    // A definite recurrence in the window still decides.
    expect(judge([...course, recorded({ recordedDate: '2026-03-12' }), recurrence('2026-02-01')]).status).toBe('met');
  });

  it('decides on an onset known only to the month when all its days fall on one side of the window', () => {
    expect(judge([...course, recurrence('2026-03')]).status).toBe('met');
    expect(judge([...course, recurrence('2025-10')]).status).toBe('not_met');
    const straddles = judge([...course, recurrence('2026-05')]);
    expect(straddles.status).toBe('unknown');
    expect(straddles.explanation).toMatch(/onset 2026-05 is known only to the month, which may or may not lie within 6 months after/);
  });

  it('refuses a date given for an anchor read from the record', () => {
    const trial = getTrial(catalog, 'platinum-resistant');
    expect(() => screenResources(trial, [PATIENT, ...course] as unknown as Resource[], { asOf: AS_OF, anchorDates: { 'adjuvant-end': '2025-12-01' } })).toThrow(/the adjuvant-end date is read from the record \(the last dose of adjuvant platinum chemotherapy\); it cannot be given/);
  });
});

describe('after a myocardial infarction: heart failure within 30 days, revascularisation within 7 days', () => {
  const catalog = catalogWith(POST_MI_TRIAL);
  const exclusion = judgeIn(catalog, 'post-mi', 'pm.exc.hf_after_mi');
  const revascularised = judgeIn(catalog, 'post-mi', 'pm.inc.revascularised');

  it('excludes heart failure that began within 30 days after the last infarction, and not one after that', () => {
    const early = exclusion([mi('2025-02-01'), mi('2025-11-03'), heartFailure({ onsetDateTime: '2025-11-20' })]);
    expect(early.status).toBe('not_met');
    expect(early.evidence.map((e) => e.note)).toContain('anchor: the last myocardial infarction');
    expect(exclusion([mi('2025-11-03'), heartFailure({ onsetDateTime: '2026-01-15' })]).status).toBe('met');
    // Within 30 days after the first infarction, but the protocol counts from the last one.
    expect(exclusion([mi('2025-02-01'), heartFailure({ onsetDateTime: '2025-02-20' }), mi('2025-11-03')]).status).toBe('met');
  });

  it('does not clear an exclusion on heart failure recorded after the infarction with no onset: a person confirms when it began', () => {
    const r = exclusion([mi('2025-11-03'), heartFailure({ recordedDate: '2025-11-25' })]);
    expect(r.status).toBe('review');
    expect(r.confirm).toMatch(/no onset recorded; recorded on 2025-11-25, .*confirm it began within 30 days after the last myocardial infarction/);
    // Recorded before the infarction, it had begun before: not new after it.
    expect(exclusion([mi('2025-11-03'), heartFailure({ recordedDate: '2025-06-01' })]).status).toBe('met');
    expect(exclusion([mi('2025-11-03'), heartFailure({})]).status).toBe('unknown');
  });

  it('takes an undated infarction recorded before the last dated one as earlier, never dating it by its recordedDate', () => {
    const undatedMi = (recordedDate: string): Record<string, unknown> => ({ ...mi('2025-01-01'), onsetDateTime: undefined, recordedDate });
    expect(exclusion([undatedMi('2025-03-01'), mi('2025-11-03'), heartFailure({ onsetDateTime: '2025-11-20' })]).status).toBe('not_met');
    // Recorded after the last dated one, it may be the last: the anchor cannot be dated.
    const later = exclusion([undatedMi('2026-01-10'), mi('2025-11-03'), heartFailure({ onsetDateTime: '2025-11-20' })]);
    expect(later.status).toBe('unknown');
    expect(later.explanation).toMatch(/the last myocardial infarction cannot be dated: .*no onset date \(recorded 2026-01-10, so it began by then\)/);
  });

  it('does not exclude a patient with no infarction on record: the trial makes that absence decide', () => {
    const none = exclusion([heartFailure({ onsetDateTime: '2025-11-20' })]);
    expect(none.status).toBe('met');
    expect(none.explanation).toMatch(/the last myocardial infarction: no such event in the record/);
  });

  it('is unknown when an infarction that could be the last is dated in words', () => {
    const inWords = condition({ system: ICD10, code: 'I21.9', display: 'Acute myocardial infarction, unspecified' }, { onsetString: 'last winter' });
    const r = exclusion([mi('2025-02-01'), inWords, heartFailure({ onsetDateTime: '2026-01-15' })]);
    expect(r.status).toBe('unknown');
    expect(r.explanation).toMatch(new RegExp(`the last myocardial infarction cannot be dated: Condition/${String(inWords.id)} \\(Acute myocardial infarction, unspecified\\): "last winter" is not a date`));
  });

  it('leaves an infarction recorded only in words for a person to confirm, whichever way the window goes', () => {
    const byName = condition({ system: ICD10, display: 'acute myocardial infarction' }, { onsetDateTime: '2025-11-03' });
    const r = exclusion([byName, heartFailure({ onsetDateTime: '2026-01-15' })]);
    expect(r.status).toBe('review');
    expect(r.confirm).toMatch(/acute myocardial infarction is recognised only by name/);
  });

  it('finds a procedure within days after the anchor', () => {
    expect(revascularised([mi('2025-11-03'), pci('2025-11-05T14:00:00Z')]).status).toBe('met');
    expect(revascularised([mi('2025-11-03'), pci('2025-11-20T14:00:00Z')]).status).toBe('not_met');
  });
});

describe('insulin for at most 14 days in the past year (maxDuration)', () => {
  const judge = judgeIn(catalogWith(POST_MI_TRIAL), 'post-mi', 'pm.inc.insulin');

  it('is met for 10 days, and for two overlapping courses counted once (12 days, not 18)', () => {
    expect(judge([insulin({ start: '2026-01-01', end: '2026-01-10' })]).status).toBe('met');
    const overlapping = judge([insulin({ start: '2026-01-01', end: '2026-01-10' }), insulin({ start: '2026-01-05', end: '2026-01-12' })]);
    expect(overlapping.status).toBe('met');
    expect(overlapping.explanation).toMatch(/Insulins \(any type\): 12 days of exposure within 1 year before screening \(at most 14 days allowed\)/);
    expect(judge([]).status).toBe('met');
  });

  it('is not met for 20 days, counting only the days inside the year', () => {
    expect(judge([insulin({ start: '2026-01-01', end: '2026-01-20' })]).status).toBe('not_met');
    // 2025-05-01 to 2025-06-30 is 61 days, 16 of them from 2025-06-15 on.
    const straddling = judge([insulin({ start: '2025-05-01', end: '2025-06-30' })]);
    expect(straddling.status).toBe('not_met');
    expect(straddling.explanation).toMatch(/Insulins \(any type\): 16 days of exposure/);
    expect(judge([insulin({ start: '2025-05-01', end: '2025-06-10' })]).status).toBe('met');
  });

  it('is never met on an exposure whose end is not recorded, or known only to the month, that could exceed the bound', () => {
    const noEnd = judge([insulin({ start: '2026-01-01' })]);
    expect(noEnd.status).toBe('unknown');
    expect(noEnd.explanation).toMatch(/between 1 and 166 days of exposure within 1 year before screening, at most 14 days allowed: insulin glargine from 2026-01-01 has no end date/);
    const monthEnd = judge([insulin({ start: '2026-01-01', end: '2026-01' })]);
    expect(monthEnd.status).toBe('unknown');
    expect(monthEnd.explanation).toMatch(/between 1 and 31 days .*: insulin glargine \(2026-01-01 to 2026-01-31\) ends 2026-01, only to the month or year/);
    // Even at its shortest it is too long.
    expect(judge([insulin({ start: '2026-01-01', end: '2026-02' })]).status).toBe('not_met');
  });

  it('counts an ongoing exposure up to the screening date', () => {
    expect(judge([insulin({ start: '2026-06-10' }, 'active')]).status).toBe('met');
    expect(judge([insulin({ start: '2026-05-01' }, 'active')]).status).toBe('not_met');
  });
});

describe('heart failure diagnosed at least 3 months before screening (onsetAtLeast)', () => {
  const judge = judgeIn(catalogWith(POST_MI_TRIAL), 'post-mi', 'pm.inc.hf_diagnosed');

  it('reads the onset: long enough ago is met, too recent is not', () => {
    expect(judge([heartFailure({ onsetDateTime: '2025-01-10' })]).status).toBe('met');
    const recent = judge([heartFailure({ onsetDateTime: '2026-05-01' })]);
    expect(recent.status).toBe('not_met');
    expect(recent.explanation).toMatch(/not diagnosed at least 3 months before screening \(by 2026-03-15\)/);
  });

  it('decides on a partial onset only when all its days fall on one side of the cut-off', () => {
    expect(judge([heartFailure({ onsetDateTime: '2025' })]).status).toBe('met');
    const month = judge([heartFailure({ onsetDateTime: '2026-03' })]);
    expect(month.status).toBe('unknown');
    expect(month.explanation).toMatch(/onset 2026-03 is known only to the month, which spans 2026-03-15/);
  });

  it('with no onset, takes a recordedDate by the cut-off as the latest it can have begun; a later one or none is unknown', () => {
    expect(judge([heartFailure({ recordedDate: '2024-05-01' })]).status).toBe('met');
    const late = judge([heartFailure({ recordedDate: '2026-06-01' })]);
    expect(late.status).toBe('unknown');
    expect(late.explanation).toMatch(/no onset date; recorded 2026-06-01, after 2026-03-15, which does not say when it began/);
    expect(judge([heartFailure({})]).explanation).toMatch(/no onset date and no recordedDate/);
    expect(judge([heartFailure({})]).status).toBe('unknown');
  });

  it('is not met with no heart failure on record', () => {
    expect(judge([]).status).toBe('not_met');
  });
});

describe('anchors counting from anchors, from lab results, and from the first event', () => {
  const catalog = catalogWith(MORE_TRIAL);
  const recurrenceAfterAdjuvant = judgeIn(catalog, 'relations-more', 'rm.inc.recurrence');
  const gcsfAfterNeutropenia = judgeIn(catalog, 'relations-more', 'rm.inc.gcsf');
  const miBeforeHf = judgeIn(catalog, 'relations-more', 'rm.inc.mi_before_hf');

  it('finds the adjuvant course in the 6 months after surgery, not a later line of platinum', () => {
    const history = [carboplatinIv('2019-03-01T10:00:00Z'), debulking('2025-05-10'), carboplatinIv('2025-06-15T10:00:00Z'), carboplatinIv('2025-09-28T10:00:00Z'), carboplatinIv('2026-02-01T10:00:00Z')];
    const r = recurrenceAfterAdjuvant([...history, recurrence('2026-01-20')]);
    expect(r.status).toBe('met');
    expect(r.explanation).toMatch(/after the last dose of platinum within 6 months after surgery \(2025-09-28\)/);
    expect(r.evidence.filter((e) => e.note?.startsWith('anchor:')).map((e) => `${e.date ?? ''} ${e.note ?? ''}`)).toEqual(['2025-09-28 anchor: the last dose of platinum within 6 months after surgery', '2025-05-10 anchor: the first cytoreductive surgery']);
    const noSurgery = recurrenceAfterAdjuvant(history.filter((h) => h.resourceType !== 'Procedure'));
    expect(noSurgery.status).toBe('unknown');
    expect(noSurgery.explanation).toMatch(/the last dose of platinum within 6 months after surgery is found from the first cytoreductive surgery: the first cytoreductive surgery: no such event in the record/);
  });

  it('takes the first result that qualifies as the anchor (ANC < 0.5 × 10^9/L, converted from 10*3/uL)', () => {
    const counts = [anc(2.1, '2026-03-01T08:00:00Z'), anc(0.3, '2026-03-20T08:00:00Z'), anc(0.2, '2026-04-02T08:00:00Z')];
    const met = gcsfAfterNeutropenia([...counts, filgrastim('2026-03-22T09:00:00Z')]);
    expect(met.status).toBe('met');
    expect(met.evidence).toEqual(expect.arrayContaining([expect.objectContaining({ date: '2026-03-20', note: 'anchor: the first severe neutropenia' })]));
    expect(gcsfAfterNeutropenia([...counts, filgrastim('2026-04-03T09:00:00Z')]).status).toBe('not_met');
    // An earlier count that cannot be read may be the first qualifying one.
    const unreadable = { ...anc(0, '2026-03-10T08:00:00Z'), valueQuantity: undefined, valueString: 'see comment' };
    expect(gcsfAfterNeutropenia([...counts, unreadable, filgrastim('2026-03-22T09:00:00Z')]).status).toBe('unknown');
  });

  it('counts a window before an anchor in the past: an infarction in the year before heart failure was first diagnosed', () => {
    const hf = [heartFailure({ onsetDateTime: '2025-08-01' }), heartFailure({ onsetDateTime: '2026-02-01' })];
    expect(miBeforeHf([...hf, mi('2025-06-10')]).status).toBe('met');
    // Resolved two years before: not in the year before the first diagnosis (it is before the second).
    const old = condition({ system: ICD10, code: 'I21.4', display: 'NSTEMI' }, { onsetDateTime: '2023-06-10', abatementDateTime: '2023-07-01', clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }] } });
    expect(miBeforeHf([...hf, old]).status).toBe('not_met');
    // Never closed, but its onset is more than a year before the diagnosis: dated by its onset, out of the window.
    expect(miBeforeHf([hf[1] as Record<string, unknown>, mi('2024-12-10')]).status).toBe('not_met');
    expect(miBeforeHf([hf[1] as Record<string, unknown>, mi('2025-06-10')]).status).toBe('met');
  });
});

describe('eligo validate --explain, for the person checking the file against the protocol', () => {
  it('says which event each anchor is, what its absence means, and which side of it each window lies', async () => {
    const run = await cli('validate', '--mappings', mappingsWith(PLATINUM_TRIAL(), POST_MI_TRIAL), '--explain', 'post-mi');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\[anchor\] last-mi: the last myocardial infarction, read from the record: the last of\n {2}a Condition in Acute myocardial infarction\n {2}dated by its start .*; none in the record: every rule counting from it is not met/);
    expect(run.stdout).toMatch(/NOT a Condition in Heart failure, starting within 30d after the last myocardial infarction/);
    expect(run.stdout).toMatch(/Insulins \(any type\) within 1y before screening, for at most 14d in all \(an exposure whose end, route or dose is not recorded and could make it longer: unknown\)/);
    expect(run.stdout).toMatch(/a Condition in Heart failure, diagnosed at least 3mo before screening \(by its onset; with no onset, recorded by then/);
  });
});
