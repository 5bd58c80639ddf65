/**
 * Writes the synthetic example patients in examples/*.json (FHIR R4 transaction Bundles).
 * Everything is invented. Dates fit screening as of 2026-06-15 with leukapheresis on
 * 2026-07-01, the dates the README uses. Run: npx tsx examples/generate.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

const LOINC = 'http://loinc.org';
const SNOMED = 'http://snomed.info/sct';
const ICD10 = 'http://hl7.org/fhir/sid/icd-10-cm';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const ORPHA = 'http://www.orpha.net';
const LOCAL = 'http://eligo.example.org/fhir/CodeSystem/local';
const UCUM = 'http://unitsofmeasure.org';

class PatientBuilder {
  private readonly resources: Resource[] = [];
  private n = 0;

  constructor(
    readonly id: string,
    gender: 'female' | 'male',
    birthDate: string,
  ) {
    this.resources.push({
      resourceType: 'Patient',
      id,
      meta: { tag: [{ system: LOCAL, code: 'example', display: 'eligo synthetic example' }] },
      identifier: [{ system: 'urn:eligo:example-mrn', value: id.toUpperCase() }],
      name: [{ family: 'Example', given: [id.replace(/-/g, ' ')] }],
      gender,
      birthDate,
    });
  }

  private next(prefix: string): string {
    this.n += 1;
    return `${this.id}-${prefix}${this.n}`;
  }

  private get subject() {
    return { reference: `Patient/${this.id}` };
  }

  lab(loinc: string, display: string, value: number, unit: string, date: string, extra: { high?: number; low?: number; interpretation?: string } = {}): this {
    const range = extra.high !== undefined || extra.low !== undefined
      ? [{ ...(extra.low !== undefined ? { low: { value: extra.low, unit, system: UCUM, code: unit } } : {}), ...(extra.high !== undefined ? { high: { value: extra.high, unit, system: UCUM, code: unit } } : {}) }]
      : undefined;
    this.resources.push({
      resourceType: 'Observation',
      id: this.next('obs'),
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
      code: { coding: [{ system: LOINC, code: loinc, display }], text: display },
      subject: this.subject,
      effectiveDateTime: date,
      valueQuantity: { value, unit, system: UCUM, code: unit },
      ...(range ? { referenceRange: range } : {}),
      ...(extra.interpretation
        ? { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: extra.interpretation }] }] }
        : {}),
    });
    return this;
  }

  titer(loinc: string, display: string, denominator: number, date: string): this {
    this.resources.push({
      resourceType: 'Observation',
      id: this.next('obs'),
      status: 'final',
      code: { coding: [{ system: LOINC, code: loinc, display }] },
      subject: this.subject,
      effectiveDateTime: date,
      valueRatio: { numerator: { value: 1 }, denominator: { value: denominator } },
    });
    return this;
  }

  qualitative(loinc: string, display: string, text: string, date: string, interpretation?: string): this {
    this.resources.push({
      resourceType: 'Observation',
      id: this.next('obs'),
      status: 'final',
      code: { coding: [{ system: LOINC, code: loinc, display }] },
      subject: this.subject,
      effectiveDateTime: date,
      valueString: text,
      ...(interpretation ? { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: interpretation }] }] } : {}),
    });
    return this;
  }

  score(code: string, display: string, value: number, date: string): this {
    this.resources.push({
      resourceType: 'Observation',
      id: this.next('obs'),
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'survey' }] }],
      code: { coding: [{ system: LOCAL, code, display }], text: display },
      subject: this.subject,
      effectiveDateTime: date,
      valueQuantity: { value, unit: '{score}', system: UCUM, code: '{score}' },
    });
    return this;
  }

  finding(loinc: string, display: string, system: string, code: string, valueDisplay: string, date: string): this {
    this.resources.push({
      resourceType: 'Observation',
      id: this.next('obs'),
      status: 'final',
      code: { coding: [{ system: LOINC, code: loinc, display }] },
      subject: this.subject,
      effectiveDateTime: date,
      valueCodeableConcept: { coding: [{ system, code, display: valueDisplay }], text: valueDisplay },
    });
    return this;
  }

  condition(codings: { system: string; code: string; display: string }[], onset: string, extra: { abatement?: string; text?: string } = {}): this {
    this.resources.push({
      resourceType: 'Condition',
      id: this.next('cond'),
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: extra.abatement ? 'resolved' : 'active' }] },
      verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
      code: { coding: codings, text: extra.text ?? codings[0]?.display ?? '' },
      subject: this.subject,
      onsetDateTime: onset,
      ...(extra.abatement ? { abatementDateTime: extra.abatement } : {}),
    });
    return this;
  }

  /** A MedicationStatement: ongoing when `end` is undefined. */
  statement(rxnorm: string, display: string, start: string, end: string | undefined, dose?: { mg: number; perDay: number; route?: string }): this {
    this.resources.push({
      resourceType: 'MedicationStatement',
      id: this.next('ms'),
      status: end === undefined ? 'active' : 'completed',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: rxnorm, display }], text: display },
      subject: this.subject,
      effectivePeriod: { start, ...(end ? { end } : {}) },
      ...(dose
        ? {
            dosage: [
              {
                timing: { repeat: { frequency: dose.perDay, period: 1, periodUnit: 'd' } },
                ...(dose.route ? { route: { text: dose.route } } : {}),
                doseAndRate: [{ doseQuantity: { value: dose.mg, unit: 'mg', system: UCUM, code: 'mg' } }],
              },
            ],
          }
        : {}),
    });
    return this;
  }

  request(rxnorm: string, display: string, authoredOn: string, validUntil: string): this {
    this.resources.push({
      resourceType: 'MedicationRequest',
      id: this.next('mr'),
      status: 'completed',
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: rxnorm, display }], text: display },
      subject: this.subject,
      authoredOn,
      dispenseRequest: { validityPeriod: { start: authoredOn, end: validUntil } },
    });
    return this;
  }

  administration(rxnorm: string, display: string, date: string, mg: number): this {
    this.resources.push({
      resourceType: 'MedicationAdministration',
      id: this.next('ma'),
      status: 'completed',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: rxnorm, display }], text: display },
      subject: this.subject,
      effectiveDateTime: date,
      dosage: { route: { text: 'Intravenous' }, dose: { value: mg, unit: 'mg', system: UCUM, code: 'mg' } },
    });
    return this;
  }

  immunization(cvx: string, display: string, date: string): this {
    this.resources.push({
      resourceType: 'Immunization',
      id: this.next('imm'),
      status: 'completed',
      vaccineCode: { coding: [{ system: 'http://hl7.org/fhir/sid/cvx', code: cvx, display }] },
      patient: this.subject,
      occurrenceDateTime: date,
    });
    return this;
  }

  bundle(): Bundle {
    const entry: BundleEntry[] = this.resources.map((resource) => ({
      fullUrl: `urn:uuid:${uuidFor(`${resource.resourceType}/${resource.id ?? ''}`)}`,
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id ?? ''}` },
    }));
    return { resourceType: 'Bundle', type: 'transaction', entry };
  }
}

/** A stable UUID-shaped string from a name, so regenerating gives identical files. */
function uuidFor(name: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const ch of name) {
    h1 = Math.imul(h1 ^ ch.charCodeAt(0), 16777619) >>> 0;
    h2 = Math.imul(h2 ^ ch.charCodeAt(0), 2246822519) >>> 0;
  }
  const hex = (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).repeat(2);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const SLE_DX = [
  { system: ICD10, code: 'M32.14', display: 'Glomerular disease in systemic lupus erythematosus' },
  { system: SNOMED, code: '55464009', display: 'Systemic lupus erythematosus' },
];

/** Labs an SLE patient with adequate organ function has at screening. */
function sleScreeningLabs(p: PatientBuilder): PatientBuilder {
  return p
    .lab('1742-6', 'ALT', 35, 'U/L', '2026-06-08', { high: 40 })
    .lab('1975-2', 'Bilirubin total', 0.6, 'mg/dL', '2026-06-08', { high: 1.2 })
    .lab('751-8', 'Neutrophils', 3.2, '10*3/uL', '2026-06-08')
    .lab('731-0', 'Lymphocytes', 1.1, '10*3/uL', '2026-06-08')
    .lab('777-3', 'Platelets', 180, '10*3/uL', '2026-06-08')
    .lab('6690-2', 'Leukocytes', 4.6, '10*3/uL', '2026-06-08')
    .lab('718-7', 'Hemoglobin', 11.2, 'g/dL', '2026-06-08', { low: 12, high: 16 });
}

function sleEligible(): Bundle {
  const p = new PatientBuilder('sle-eligible', 'female', '1991-04-02')
    .condition(SLE_DX, '2018-02-10')
    .condition([{ system: SNOMED, code: '36402006', display: 'Lupus nephritis - WHO Class IV' }], '2019-03-01')
    .titer('5048-4', 'ANA titer', 640, '2018-02-01')
    .qualitative('5130-0', 'dsDNA Ab', 'Positive', '2018-02-01', 'POS')
    .lab('4485-9', 'Complement C3', 62, 'mg/dL', '2026-06-08', { low: 90, high: 180, interpretation: 'L' })
    .lab('4498-2', 'Complement C4', 7, 'mg/dL', '2026-06-08', { low: 10, high: 40, interpretation: 'L' })
    .lab('5130-0', 'dsDNA Ab', 180, '[IU]/mL', '2026-06-08', { high: 30, interpretation: 'H' })
    .lab('2890-2', 'Protein/Creatinine [Mass Ratio] in Urine', 1.8, 'mg/mg', '2026-06-08', { high: 0.2 })
    .lab('13945-1', 'Erythrocytes /HPF in Urine', 12, '/[HPF]', '2026-06-08', { high: 5 })
    .lab('5821-4', 'Leukocytes /HPF in Urine', 2, '/[HPF]', '2026-06-08', { high: 5 })
    .lab('9842-6', 'Casts in Urine', 0, '/[LPF]', '2026-06-08')
    .lab('19872-1', 'FVC % predicted', 86, '%', '2026-05-20')
    .lab('10230-1', 'LVEF', 61, '%', '2026-05-12');
  sleScreeningLabs(p)
    .statement('312617', 'predniSONE 5 MG Oral Tablet', '2019-01-15', undefined, { mg: 5, perDay: 1, route: 'Oral' })
    .request('979092', 'Hydroxychloroquine Sulfate 200 MG Oral Tablet', '2018-03-01', '2026-06-10')
    .statement('68149', 'mycophenolate mofetil', '2019-04-01', '2026-05-31', { mg: 1000, perDay: 2 })
    .statement('1092437', 'belimumab', '2022-01-10', '2026-04-15')
    .administration('3002', 'cyclophosphamide', '2019-03-10', 750)
    .administration('3002', 'cyclophosphamide', '2019-04-10', 750)
    .administration('3002', 'cyclophosphamide', '2019-05-10', 750);
  return p.bundle();
}

function sleIneligible(): Bundle {
  const p = new PatientBuilder('sle-ineligible', 'female', '1966-09-20')
    .condition(SLE_DX, '2004-05-01')
    .condition([{ system: ICD10, code: 'C50.911', display: 'Malignant neoplasm of unspecified site of right female breast' }], '2015-06-01', { abatement: '2016-03-01' })
    .titer('5048-4', 'ANA titer', 320, '2004-05-01')
    .lab('19872-1', 'FVC % predicted', 74, '%', '2026-05-02')
    .lab('10230-1', 'LVEF', 58, '%', '2026-05-02');
  sleScreeningLabs(p).statement('68149', 'mycophenolate mofetil', '2010-01-01', undefined, { mg: 1000, perDay: 2 });
  return p.bundle();
}

function slePotential(): Bundle {
  const p = new PatientBuilder('sle-potential', 'female', '1996-11-05')
    .condition(SLE_DX, '2020-07-01')
    .titer('5048-4', 'ANA titer', 1280, '2020-06-20')
    .lab('5130-0', 'dsDNA Ab', 95, '[IU]/mL', '2026-06-05', { high: 30, interpretation: 'H' })
    .lab('4485-9', 'Complement C3', 70, 'mg/dL', '2026-06-05', { low: 90, high: 180, interpretation: 'L' })
    .lab('2890-2', 'Protein/Creatinine [Mass Ratio] in Urine', 0.9, 'mg/mg', '2026-06-05')
    .lab('19872-1', 'FVC % predicted', 81, '%', '2025-11-02');
  sleScreeningLabs(p)
    .statement('312617', 'predniSONE 5 MG Oral Tablet', '2020-08-01', undefined, { mg: 5, perDay: 1, route: 'Oral' })
    .statement('5521', 'hydroxychloroquine', '2020-08-01', '2026-05-01')
    .statement('68149', 'mycophenolate mofetil', '2021-01-01', '2026-05-20', { mg: 1000, perDay: 2 })
    .statement('1256', 'azathioprine', '2020-09-01', '2021-06-30', { mg: 100, perDay: 1 })
    .administration('121191', 'rituximab', '2026-06-10', 1000);
  return p.bundle();
}

const SSC_DIFFUSE = [
  { system: ORPHA, code: '220393', display: 'Diffuse cutaneous systemic sclerosis' },
  { system: ICD10, code: 'M34.0', display: 'Progressive systemic sclerosis' },
];

function sscScreeningLabs(p: PatientBuilder): PatientBuilder {
  return p
    .lab('2160-0', 'Creatinine', 0.9, 'mg/dL', '2026-06-09', { high: 1.3 })
    .lab('29463-7', 'Body weight', 80, 'kg', '2026-06-09')
    .lab('751-8', 'Neutrophils', 4.1, '10*3/uL', '2026-06-09')
    .lab('731-0', 'Lymphocytes', 1.5, '10*3/uL', '2026-06-09')
    .lab('777-3', 'Platelets', 250, '10*3/uL', '2026-06-09')
    .lab('718-7', 'Hemoglobin', 14, 'g/dL', '2026-06-09')
    .lab('1742-6', 'ALT', 30, 'U/L', '2026-06-09', { high: 45 })
    .lab('1920-8', 'AST', 28, 'U/L', '2026-06-09', { high: 40 })
    .lab('1975-2', 'Bilirubin total', 0.8, 'mg/dL', '2026-06-09', { high: 1.2 })
    .lab('6301-6', 'INR', 1.0, '{INR}', '2026-06-09', { high: 1.1 })
    .lab('5902-2', 'Prothrombin time', 12, 's', '2026-06-09', { high: 13.5 })
    .lab('10230-1', 'LVEF', 62, '%', '2026-05-20');
}

function sscEligible(): Bundle {
  const p = new PatientBuilder('ssc-eligible', 'male', '1981-02-14')
    .condition(SSC_DIFFUSE, '2023-09-01', { text: 'Diffuse cutaneous systemic sclerosis' })
    .score('mrss', 'Modified Rodnan skin score', 18, '2026-01-12')
    .score('mrss', 'Modified Rodnan skin score', 21, '2026-03-30')
    .score('mrss', 'Modified Rodnan skin score', 24, '2026-06-02')
    .lab('19872-1', 'FVC % predicted', 78, '%', '2026-05-15')
    .lab('98130-8', 'DLCO % predicted', 65, '%', '2026-05-15');
  sscScreeningLabs(p).statement('68149', 'mycophenolate mofetil', '2024-01-01', undefined, { mg: 1500, perDay: 2 });
  return p.bundle();
}

function sscIneligible(): Bundle {
  const p = new PatientBuilder('ssc-ineligible', 'female', '1986-07-30')
    .condition([{ system: ICD10, code: 'M34.1', display: 'CR(E)ST syndrome' }, { system: ORPHA, code: '220402', display: 'Limited cutaneous systemic sclerosis' }], '2021-04-01')
    .lab('19872-1', 'FVC % predicted', 41, '%', '2026-05-15')
    .lab('98130-8', 'DLCO % predicted', 38, '%', '2026-05-15')
    .lab('21198-7', 'Choriogonadotropin.beta subunit [Units/volume] in Serum', 1, '[IU]/L', '2026-06-12', { high: 5 });
  sscScreeningLabs(p);
  return p.bundle();
}

function sscPotential(): Bundle {
  const p = new PatientBuilder('ssc-potential', 'female', '1976-03-03')
    .condition([{ system: ICD10, code: 'M34.9', display: 'Systemic sclerosis, unspecified' }], '2022-10-01')
    .lab('19872-1', 'FVC % predicted', 72, '%', '2026-01-20')
    .lab('19872-1', 'FVC % predicted', 63, '%', '2026-06-01')
    .lab('98130-8', 'DLCO % predicted', 58, '%', '2026-06-01')
    .immunization('187', 'zoster vaccine recombinant', '2026-06-01');
  sscScreeningLabs(p).statement('68149', 'mycophenolate mofetil', '2023-01-01', undefined, { mg: 1000, perDay: 2 });
  return p.bundle();
}

const outputs: Record<string, () => Bundle> = {
  'sle-eligible': sleEligible,
  'sle-ineligible': sleIneligible,
  'sle-potential-candidate': slePotential,
  'ssc-eligible': sscEligible,
  'ssc-ineligible': sscIneligible,
  'ssc-potential-candidate': sscPotential,
};

for (const [name, build] of Object.entries(outputs)) {
  const file = path.join(__dirname, `${name}.json`);
  writeFileSync(file, `${JSON.stringify(build(), null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
