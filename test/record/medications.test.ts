import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { groupResourcesByPatient } from '../../src/input';
import type { Bundle } from '@medplum/fhirtypes';
import { normalise } from '../../src/record/normalise';
import type { MedicationExposure } from '../../src/record/types';
import { PATIENT_ID, recordOf } from './helpers';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const subject = { reference: `Patient/${PATIENT_ID}` };
const prednisone = { coding: [{ system: RXNORM, code: '312615', display: 'prednisone 20 MG Oral Tablet' }] };

function onlyExposure(...resources: object[]): MedicationExposure {
  const record = recordOf(...resources);
  expect(record.medications).toHaveLength(1);
  return record.medications[0] as MedicationExposure;
}

describe('MedicationStatement exposure intervals', () => {
  const statement = (fields: Record<string, unknown>) => ({ resourceType: 'MedicationStatement', id: 's', medicationCodeableConcept: prednisone, subject, ...fields });

  it('takes the effectivePeriod', () => {
    expect(onlyExposure(statement({ status: 'completed', effectivePeriod: { start: '2023-01-01', end: '2023-03-01' } }))).toMatchObject({
      source: 'MedicationStatement',
      start: '2023-01-01',
      end: '2023-03-01',
      ongoing: false,
      intervalBasis: 'effective',
    });
  });

  it('makes an active statement without an end ongoing', () => {
    const exposure = onlyExposure(statement({ status: 'active', effectivePeriod: { start: '2023-01-01' } }));
    expect(exposure).toMatchObject({ start: '2023-01-01', ongoing: true });
    expect(exposure.end).toBeUndefined();
  });

  it('makes an active statement with only effectiveDateTime ongoing from that date', () => {
    const exposure = onlyExposure(statement({ status: 'active', effectiveDateTime: '2023-05-05' }));
    expect(exposure).toMatchObject({ start: '2023-05-05', ongoing: true });
    expect(exposure.end).toBeUndefined();
  });

  it('reads a finished statement with effectiveDateTime as that one day', () => {
    expect(onlyExposure(statement({ status: 'completed', effectiveDateTime: '2023-05-05' }))).toMatchObject({ start: '2023-05-05', end: '2023-05-05', ongoing: false });
  });

  it('does not make an active statement with an end ongoing', () => {
    expect(onlyExposure(statement({ status: 'active', effectivePeriod: { start: '2023-01-01', end: '2099-01-01' } }))).toMatchObject({ ongoing: false, end: '2099-01-01' });
  });

  it('leaves the end unknown for a stopped statement without one', () => {
    const exposure = onlyExposure(statement({ status: 'stopped', effectivePeriod: { start: '2023-01-01' } }));
    expect(exposure.ongoing).toBe(false);
    expect(exposure.end).toBeUndefined();
  });

  it('keeps route, dose and times per day from the dosage', () => {
    const exposure = onlyExposure(
      statement({
        status: 'active',
        effectiveDateTime: '2024-01-01',
        dosage: [
          {
            route: { coding: [{ system: 'http://snomed.info/sct', code: '26643006', display: 'Oral route' }] },
            timing: { repeat: { frequency: 1, period: 12, periodUnit: 'h' } },
            doseAndRate: [{ doseQuantity: { value: 20, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' } }],
          },
        ],
      }),
    );
    expect(exposure).toMatchObject({
      route: { codings: [{ system: 'http://snomed.info/sct', code: '26643006', display: 'Oral route' }] },
      dose: { value: 20, unit: 'mg' },
      timesPerDay: 2,
    });
  });
});

describe('MedicationRequest exposure intervals', () => {
  const request = (fields: Record<string, unknown>) => ({
    resourceType: 'MedicationRequest',
    id: 'r',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: prednisone,
    subject,
    authoredOn: '2024-01-10',
    ...fields,
  });

  it('runs from authoredOn to the end of dispenseRequest.validityPeriod', () => {
    expect(onlyExposure(request({ dispenseRequest: { validityPeriod: { start: '2024-01-10', end: '2024-04-10' }, expectedSupplyDuration: { value: 7, code: 'd' } } }))).toMatchObject({
      source: 'MedicationRequest',
      start: '2024-01-10',
      end: '2024-04-10',
      ongoing: false,
      intervalBasis: 'validityPeriod',
    });
  });

  it('otherwise runs for expectedSupplyDuration', () => {
    expect(onlyExposure(request({ dispenseRequest: { expectedSupplyDuration: { value: 90, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' } } }))).toMatchObject({
      start: '2024-01-10',
      end: '2024-04-09',
      intervalBasis: 'expectedSupplyDuration',
    });
    expect(onlyExposure(request({ dispenseRequest: { expectedSupplyDuration: { value: 2, code: 'wk' } } }))).toMatchObject({ end: '2024-01-24' });
  });

  it('otherwise assumes 30 days from authoredOn, counting on the date as written', () => {
    expect(onlyExposure(request({ authoredOn: '2024-01-31T23:30:00-05:00' }))).toMatchObject({
      start: '2024-01-31T23:30:00-05:00',
      end: '2024-03-01',
      intervalBasis: 'assumed30Days',
    });
  });

  it('counts a partial authoredOn from its last day', () => {
    expect(onlyExposure(request({ authoredOn: '2024-02' }))).toMatchObject({ end: '2024-03-30' });
  });

  it('warns and falls back to 30 days when expectedSupplyDuration has no time unit', () => {
    const record = recordOf(request({ dispenseRequest: { expectedSupplyDuration: { value: 3 } } }));
    expect(record.medications[0]).toMatchObject({ intervalBasis: 'assumed30Days', end: '2024-02-09' });
    expect(record.warnings).toEqual([{ where: 'MedicationRequest/r', message: expect.stringContaining('expectedSupplyDuration') }]);
  });

  it('keeps a request without authoredOn, with unknown dates and a warning', () => {
    const record = recordOf(request({ authoredOn: undefined }));
    expect(record.medications[0]).toMatchObject({ intervalBasis: 'unknown', ongoing: false });
    expect(record.medications[0]?.start).toBeUndefined();
    expect(record.warnings).toEqual([{ where: 'MedicationRequest/r', message: expect.stringContaining('authoredOn') }]);
  });

  it('reads times per day from a timing code when repeat does not say', () => {
    expect(onlyExposure(request({ dosageInstruction: [{ timing: { code: { coding: [{ code: 'TID' }] } } }] })).timesPerDay).toBe(3);
  });

  it('reads weekly dosing as a fraction per day', () => {
    expect(onlyExposure(request({ dosageInstruction: [{ timing: { repeat: { frequency: 1, period: 1, periodUnit: 'wk' } } }] })).timesPerDay).toBeCloseTo(1 / 7, 10);
  });
});

describe('MedicationAdministration exposure intervals', () => {
  const administration = (fields: Record<string, unknown>) => ({ resourceType: 'MedicationAdministration', id: 'a', medicationCodeableConcept: prednisone, subject, ...fields });

  it('takes effectiveDateTime as a single day', () => {
    expect(onlyExposure(administration({ status: 'completed', effectiveDateTime: '2024-02-02T10:00:00Z' }))).toMatchObject({
      source: 'MedicationAdministration',
      start: '2024-02-02T10:00:00Z',
      end: '2024-02-02T10:00:00Z',
      ongoing: false,
      intervalBasis: 'effective',
    });
  });

  it('takes effectivePeriod, and an in-progress one without end is ongoing', () => {
    expect(onlyExposure(administration({ status: 'completed', effectivePeriod: { start: '2024-02-02T10:00:00Z', end: '2024-02-02T14:00:00Z' } }))).toMatchObject({
      start: '2024-02-02T10:00:00Z',
      end: '2024-02-02T14:00:00Z',
    });
    expect(onlyExposure(administration({ status: 'in-progress', effectivePeriod: { start: '2024-02-02T10:00:00Z' } }))).toMatchObject({ ongoing: true });
  });

  it('keeps the administered dose and route', () => {
    expect(onlyExposure(administration({ status: 'completed', effectiveDateTime: '2024-02-02', dosage: { route: { text: 'IV' }, dose: { value: 500, unit: 'mg' } } }))).toMatchObject({
      route: { codings: [], text: 'IV' },
      dose: { value: 500, unit: 'mg' },
    });
  });
});

describe('medicationReference resolution', () => {
  const medication = {
    resourceType: 'Medication',
    id: 'hcq',
    code: { coding: [{ system: RXNORM, code: '979092', display: 'hydroxychloroquine sulfate 200 MG Oral Tablet' }] },
    ingredient: [{ itemCodeableConcept: { coding: [{ system: RXNORM, code: '5521', display: 'hydroxychloroquine' }] } }],
  };
  const taking = (reference: string, extra: Record<string, unknown> = {}) => ({
    resourceType: 'MedicationStatement',
    id: 'ms',
    status: 'active',
    subject,
    effectiveDateTime: '2024-01-01',
    medicationReference: { reference },
    ...extra,
  });

  it('resolves a relative Medication/<id> reference, with its ingredients', () => {
    const exposure = onlyExposure(medication, taking('Medication/hcq'));
    expect(exposure.concept).toEqual({ codings: [{ system: RXNORM, code: '979092', display: 'hydroxychloroquine sulfate 200 MG Oral Tablet' }] });
    expect(exposure.ingredientConcepts).toEqual([{ codings: [{ system: RXNORM, code: '5521', display: 'hydroxychloroquine' }] }]);
    expect(exposure.unresolvedMedication).toBeUndefined();
  });

  it('resolves an absolute URL reference', () => {
    expect(onlyExposure(medication, taking('https://ehr.example.org/fhir/Medication/hcq')).ingredientConcepts).toHaveLength(1);
  });

  it('resolves a contained Medication', () => {
    const exposure = onlyExposure(taking('#med1', { contained: [{ ...medication, id: 'med1' }] }));
    expect(exposure.ingredientConcepts).toEqual([{ codings: [{ system: RXNORM, code: '5521', display: 'hydroxychloroquine' }] }]);
  });

  it('resolves an ingredient given as a reference to another Medication', () => {
    const ingredientMedication = { resourceType: 'Medication', id: 'hcq-ingredient', code: { coding: [{ system: RXNORM, code: '5521' }] } };
    const product = { resourceType: 'Medication', id: 'product', code: { text: 'Plaquenil' }, ingredient: [{ itemReference: { reference: 'Medication/hcq-ingredient' } }] };
    expect(onlyExposure(ingredientMedication, product, taking('Medication/product')).ingredientConcepts).toEqual([{ codings: [{ system: RXNORM, code: '5521' }] }]);
  });

  it('resolves urn:uuid references inside a transaction Bundle once the reader has grouped it', () => {
    const bundle = JSON.parse(readFileSync(join(__dirname, '../fixtures/record/medications.transaction.json'), 'utf8')) as Bundle;
    const { patients, errors } = groupResourcesByPatient(bundle, { source: 'medications.transaction.json' });
    expect(errors).toEqual([]);
    expect(patients).toHaveLength(1);
    const record = normalise(patients[0]?.resources ?? []);
    expect(record.patientId).toBe('9a1b2c3d-0000-4000-8000-000000000001');
    expect(record.warnings).toEqual([]);
    const byReference = new Map(record.medications.map((m) => [m.reference, m]));
    expect(byReference.get('MedicationRequest/rtx-order')).toMatchObject({
      concept: { codings: [{ code: '1658090' }] },
      ingredientConcepts: [{ codings: [{ code: '121191', display: 'rituximab' }] }],
      start: '2024-01-10',
      end: '2024-02-09',
      intervalBasis: 'validityPeriod',
    });
    expect(byReference.get('MedicationStatement/mmf-taking')).toMatchObject({
      concept: { codings: [], text: 'CellCept 500 mg tablet' },
      ingredientConcepts: [{ codings: [{ code: '68149' }] }],
      ongoing: true,
      timesPerDay: 2,
      dose: { value: 1000, unit: 'mg' },
    });
    expect(byReference.get('MedicationAdministration/rtx-infusion')).toMatchObject({
      ingredientConcepts: [{ codings: [{ code: '121191' }] }],
      dose: { value: 1000, unit: 'mg' },
      route: { text: 'intravenous' },
    });
  });

  it('keeps an unresolvable reference as unresolvedMedication with the display as text, and warns', () => {
    const record = recordOf({ ...taking('Medication/missing'), medicationReference: { reference: 'Medication/missing', display: 'rituximab' } });
    expect(record.medications).toMatchObject([{ concept: { codings: [], text: 'rituximab' }, unresolvedMedication: 'Medication/missing', ingredientConcepts: [] }]);
    expect(record.warnings).toEqual([{ where: 'MedicationStatement/ms', message: expect.stringContaining('Medication/missing') }]);
  });
});
