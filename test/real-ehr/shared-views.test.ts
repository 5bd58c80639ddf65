/**
 * Several trials screening one record share what they read alike (src/engine/context.ts
 * "views": facts by value set, exposures by class, results by analyte), built by whichever
 * trial asks first. These pairs of trials ask nearly the same question of the same record:
 * each must get its own answer, whichever goes first.
 */
import type { Resource } from '@medplum/fhirtypes';
import { compileTrial, type CompiledTrial } from '../../src/mapping/compile';
import { ruleSchema, trialFileSchema, type Rule } from '../../src/mapping/schema';
import { evaluate } from '../../src/engine/evaluate';
import { normalise } from '../../src/record/normalise';
import type { PatientRecord } from '../../src/record/types';
import { AS_OF, catalog, PATIENT_ID, SNOMED } from './helpers';

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const subject = { reference: `Patient/${PATIENT_ID}` };

function trialOf(id: string, rule: Record<string, unknown>): CompiledTrial {
  const def = trialFileSchema.parse({ id, title: id, criteria: [{ id: `${id.replace(/-/g, '_')}.inc.x`, type: 'inclusion', text: 'x', rule: ruleSchema.parse(rule) as Rule }] });
  return compileTrial({ file: 'inline', def, locate: () => undefined }, catalog.terminology);
}

function recordOf(resources: object[]): PatientRecord {
  return normalise([{ resourceType: 'Patient', id: PATIENT_ID, birthDate: '1975-04-02', gender: 'female' }, ...resources] as unknown as Resource[]);
}

/** Each trial's status on one record, for both orders of the two trials. */
function statusesBothWays(first: CompiledTrial, second: CompiledTrial, resources: object[]): { forward: string[]; backward: string[] } {
  const status = (trial: CompiledTrial, record: PatientRecord): string => evaluate(trial, record, { asOf: AS_OF }, { version: 'test' }).criteria[0]?.status ?? 'none';
  const once = recordOf(resources);
  const forward = [status(first, once), status(second, once)];
  const again = recordOf(resources);
  const backward = [status(second, again), status(first, again)].reverse();
  return { forward, backward };
}

describe('trials screening one record', () => {
  it('each see a transfusion their own way: as a condition for one, as a procedure for the other', () => {
    const conditionTrial = trialOf('by-condition', { kind: 'condition', valueSets: ['transfusion'] });
    const procedureTrial = trialOf('by-procedure', { kind: 'procedure', valueSets: ['transfusion'] });
    const transfusion = { coding: [{ system: SNOMED, code: '116859006', display: 'Transfusion of blood product' }] };
    const asCondition = { resourceType: 'Condition', id: 'c1', subject, code: transfusion, onsetDateTime: '2026-01-10', clinicalStatus: { coding: [{ code: 'active' }] } };
    const asProcedure = { resourceType: 'Procedure', id: 'pr1', subject, status: 'completed', code: transfusion, performedDateTime: '2026-02-03' };

    // Each record has both kinds of fact, so each rule has a list to look through.
    const hypertension = { ...asCondition, id: 'c2', code: { coding: [{ system: SNOMED, code: '38341003', display: 'Hypertension' }] } };
    const appendectomy = { ...asProcedure, id: 'pr2', code: { coding: [{ system: SNOMED, code: '80146002', display: 'Appendectomy' }] } };

    expect(statusesBothWays(conditionTrial, procedureTrial, [asCondition, appendectomy])).toEqual({ forward: ['met', 'not_met'], backward: ['met', 'not_met'] });
    expect(statusesBothWays(conditionTrial, procedureTrial, [hypertension, asProcedure])).toEqual({ forward: ['not_met', 'met'], backward: ['not_met', 'met'] });
  });

  it('count eye drops as a corticosteroid for a trial that asks about any route, and not for one that asks about systemic ones', () => {
    const anyRoute = trialOf('any-route', { kind: 'medication', classes: ['corticosteroids_systemic'] });
    const systemicOnly = trialOf('systemic-only', { kind: 'medication', classes: ['corticosteroids_systemic'], systemicOnly: true });
    const eyeDrops = {
      resourceType: 'MedicationStatement',
      id: 'ms1',
      status: 'active',
      subject,
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: '8638', display: 'prednisolone' }], text: 'prednisolone acetate 1% eye drops' },
      route: { text: 'ophthalmic' },
      effectivePeriod: { start: '2026-03-01' },
    };

    expect(statusesBothWays(anyRoute, systemicOnly, [eyeDrops])).toEqual({ forward: ['met', 'not_met'], backward: ['met', 'not_met'] });
  });

  it('read an analyte only up to each one\'s own as-of date', () => {
    const trial = trialOf('hb', { kind: 'lab', analyte: 'hemoglobin', compare: { op: '>=', value: 90, unit: 'g/L' }, lookback: '3650d' });
    const hb = (id: string, date: string, value: number): object => ({
      resourceType: 'Observation',
      id,
      status: 'final',
      subject,
      code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin' }] },
      effectiveDateTime: date,
      valueQuantity: { value, unit: 'g/L', system: 'http://unitsofmeasure.org', code: 'g/L' },
    });
    const record = recordOf([hb('o1', '2020-05-01', 120), hb('o2', '2026-05-01', 70)]);
    const statusOn = (asOf: string): string | undefined => evaluate(trial, record, { asOf }, { version: 'test' }).criteria[0]?.status;
    expect([statusOn(AS_OF), statusOn('2021-01-01'), statusOn(AS_OF)]).toEqual(['not_met', 'met', 'not_met']);
  });
});
