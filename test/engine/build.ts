/** Builders for engine tests: a small inline terminology, one-criterion trials and hand-made records. */
import { compileTrial, type CompiledTrial } from '../../src/mapping/compile';
import { ruleSchema, terminologyFileSchema, trialFileSchema, type Rule } from '../../src/mapping/schema';
import { Terminology } from '../../src/mapping/terminology';
import { evaluate } from '../../src/engine/evaluate';
import type { CriterionResult, EligibilityReport } from '../../src/report/types';
import type {
  ConditionFact,
  MedicationExposure,
  ObservationFact,
  PatientRecord,
  ImmunizationFact,
  ProcedureFact,
  AllergyFact,
  ResearchSubjectFact,
} from '../../src/record/types';
import { blankRecord } from '../../src/record/types';

export const LOINC = 'http://loinc.org';
export const SNOMED = 'http://snomed.info/sct';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const CVX = 'http://hl7.org/fhir/sid/cvx';
export const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';

export const terminology = new Terminology(
  terminologyFileSchema.parse({
    analytes: {
      hemoglobin: { display: 'Hemoglobin', unit: 'g/L', codes: [{ system: 'loinc', code: '718-7' }] },
      creatinine: { display: 'Creatinine', unit: 'mg/dL', molarMass: 113.12, codes: [{ system: 'loinc', code: '2160-0' }, { system: 'loinc', code: '14682-9' }] },
      bilirubin_total: { display: 'Total bilirubin', unit: 'mg/dL', molarMass: 584.66, defaultUpperLimit: 1.2, codes: [{ system: 'loinc', code: '1975-2' }] },
      alt: { display: 'ALT', unit: 'U/L', defaultUpperLimit: 40, codes: [{ system: 'loinc', code: '1742-6' }] },
      anc: { display: 'Neutrophils', unit: '10*9/L', codes: [{ system: 'loinc', code: '751-8' }] },
      platelets: { display: 'Platelets', unit: '10*9/L', codes: [{ system: 'loinc', code: '777-3' }] },
      wbc: { display: 'Leukocytes', unit: '10*9/L', codes: [{ system: 'loinc', code: '6690-2' }] },
      c3: { display: 'C3', unit: 'mg/dL', defaultLowerLimit: 90, codes: [{ system: 'loinc', code: '4485-9' }] },
      ana_titer: { display: 'ANA titer', unit: '{titer}', codes: [{ system: 'loinc', code: '5048-4' }] },
      anti_dsdna: { display: 'anti-dsDNA', unit: '[IU]/mL', defaultUpperLimit: 30, codes: [{ system: 'loinc', code: '5130-0' }] },
      fvc_pct: { display: 'FVC % predicted', unit: '%', lookback: '90d', codes: [{ system: 'loinc', code: '19872-1' }] },
      mrss: { display: 'mRSS', unit: '{score}', codes: [{ system: 'http://eligo.example.org/fhir/CodeSystem/local', code: 'mrss' }], names: ['modified rodnan skin score', 'mrss'] },
      sledai2k_total: { display: 'SLEDAI-2K', unit: '{score}', codes: [{ system: 'http://eligo.example.org/fhir/CodeSystem/local', code: 'sledai-2k' }], names: ['sledai-2k'] },
      body_weight: { display: 'Body weight', unit: 'kg', lookback: '90d', codes: [{ system: 'loinc', code: '29463-7' }] },
      creatinine_clearance: { display: 'Creatinine clearance', unit: 'mL/min', codes: [{ system: 'loinc', code: '2164-2' }] },
    },
    ingredients: {
      prednisone: { display: 'prednisone', rxnorm: ['8640'], atc: ['H02AB07'], products: [{ code: '312615', strengthMg: 20 }], prednisoneFactor: 1 },
      dexamethasone: { display: 'dexamethasone', rxnorm: ['3264'], prednisoneFactor: 6.67 },
      rituximab: { display: 'rituximab', rxnorm: ['121191'], names: ['rituxan'] },
      hydroxychloroquine: { display: 'hydroxychloroquine', rxnorm: ['5521'], products: [{ code: '979092', strengthMg: 200 }] },
      filgrastim: { display: 'filgrastim', rxnorm: ['68442'] },
      mycophenolate_mofetil: { display: 'mycophenolate mofetil', rxnorm: ['68149'] },
    },
    medicationClasses: {
      corticosteroids_systemic: { display: 'systemic corticosteroids', ingredients: ['prednisone', 'dexamethasone'], atcPrefixes: ['H02AB'] },
      anti_cd20: { display: 'anti-CD20', ingredients: ['rituximab'] },
      antimalarials: { display: 'antimalarials', ingredients: ['hydroxychloroquine'] },
      gcsf: { display: 'G-CSF', ingredients: ['filgrastim'] },
      mycophenolate: { display: 'mycophenolate', ingredients: ['mycophenolate_mofetil'] },
    },
    valueSets: {
      sle: { display: 'SLE', codes: [{ system: 'icd10cm', prefix: 'M32.1' }, { system: 'snomed', code: '55464009' }], exclude: [{ system: 'icd10cm', code: 'M32.0' }], names: ['systemic lupus erythematosus'] },
      malignancy: { display: 'Malignancy', codes: [{ system: 'icd10cm', range: ['C00', 'C96'] }, { system: 'snomed', code: '254837009' }] },
      breast_cancer: { display: 'Breast cancer', codes: [{ system: 'icd10cm', prefix: 'C50' }] },
      myocardial_infarction: { display: 'MI', codes: [{ system: 'snomed', code: '22298006' }] },
      pneumonia: { display: 'Pneumonia', codes: [{ system: 'snomed', code: '233604007' }] },
      live_vaccines: { display: 'live vaccines', codes: [{ system: 'cvx', code: '03' }, { system: 'cvx', code: '21' }] },
      transfusion: { display: 'transfusion', codes: [{ system: 'snomed', code: '116859006' }] },
      nyha_iv: { display: 'NYHA IV', codes: [{ system: 'snomed', code: '422293003' }] },
      anaphylaxis: { display: 'anaphylaxis', codes: [{ system: 'snomed', code: '39579001' }] },
      positive_result: { display: 'positive', codes: [{ system: 'snomed', code: '10828004' }] },
      negative_result: { display: 'negative', codes: [{ system: 'snomed', code: '260385009' }] },
    },
  }),
);

export function trialOf(rules: Record<string, unknown>, extra: Record<string, unknown> = {}): CompiledTrial {
  const criteria = Object.entries(rules).map(([id, rule]) => ({ id, type: id.includes('.exc.') ? 'exclusion' : 'inclusion', text: id, rule: ruleSchema.parse(rule) as Rule, ...(id.endsWith('manual') ? { manual: true } : {}) }));
  const def = trialFileSchema.parse({ id: 'test-trial', title: 'Test trial', criteria, ...extra });
  return compileTrial({ file: 'inline', def, locate: () => undefined }, terminology);
}

export function emptyRecord(overrides: Partial<PatientRecord> = {}): PatientRecord {
  return { ...blankRecord('p1'), birthDate: '1990-03-10', gender: 'female', ...overrides };
}

let counter = 0;
const nextId = (): string => String(++counter);

export function quantity(code: string, value: number, unit: string | undefined, date: string, extra: Partial<ObservationFact> = {}): ObservationFact {
  return {
    reference: `Observation/o${nextId()}`,
    code: { codings: [{ system: LOINC, code }] },
    date,
    status: 'final',
    value: { kind: 'quantity', value, ...(unit === undefined ? {} : { unit }) },
    interpretation: [],
    ...extra,
  };
}

export function observation(code: string, value: ObservationFact['value'], date: string, extra: Partial<ObservationFact> = {}): ObservationFact {
  return { reference: `Observation/o${nextId()}`, code: { codings: [{ system: LOINC, code }] }, date, status: 'final', value, interpretation: [], ...extra };
}

export function condition(system: string, code: string, extra: Partial<ConditionFact> = {}): ConditionFact {
  return { reference: `Condition/c${nextId()}`, code: { codings: [{ system, code }] }, clinicalStatus: 'active', active: true, onset: '2020-01-01', ...extra };
}

export function medication(rxnorm: string, start: string, end: string | undefined, extra: Partial<MedicationExposure> = {}): MedicationExposure {
  return {
    reference: `MedicationRequest/m${nextId()}`,
    source: 'MedicationRequest',
    status: 'active',
    concept: { codings: [{ system: RXNORM, code: rxnorm }] },
    ingredientConcepts: [],
    start,
    ...(end === undefined ? {} : { end }),
    ongoing: end === undefined,
    ...extra,
  };
}

export function immunization(cvx: string, date: string): ImmunizationFact {
  return { reference: `Immunization/i${nextId()}`, vaccine: { codings: [{ system: CVX, code: cvx }] }, date, status: 'completed' };
}

export function procedure(code: string, date: string): ProcedureFact {
  return { reference: `Procedure/p${nextId()}`, code: { codings: [{ system: SNOMED, code }] }, date, status: 'completed' };
}

export function allergy(extra: Partial<AllergyFact>): AllergyFact {
  return { reference: `AllergyIntolerance/a${nextId()}`, code: { codings: [], text: 'Penicillin' }, category: ['medication'], reactions: [], clinicalStatus: 'active', ...extra };
}

export function researchSubject(extra: Partial<ResearchSubjectFact>): ResearchSubjectFact {
  return { reference: `ResearchSubject/r${nextId()}`, status: 'on-study', identifiers: [], ...extra };
}

export function screen(trial: CompiledTrial, record: PatientRecord, asOf = '2026-06-15', leukapheresisDate?: string): EligibilityReport {
  return evaluate(trial, record, { asOf, ...(leukapheresisDate ? { leukapheresisDate } : {}) }, { version: 'test' });
}

/** Evaluate a single rule as criterion "t.inc.x" and return its result. */
export function judge(rule: Record<string, unknown>, record: PatientRecord, asOf = '2026-06-15', leukapheresisDate?: string): CriterionResult {
  const report = screen(trialOf({ 't.inc.x': rule }), record, asOf, leukapheresisDate);
  return report.criteria[0] as CriterionResult;
}
