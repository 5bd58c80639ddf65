import type { Resource } from '@medplum/fhirtypes';
import { normalise } from '../../src/record/normalise';
import type { ObservationFact, PatientRecord } from '../../src/record/types';

export const PATIENT_ID = 'p1';
const PATIENT = { resourceType: 'Patient', id: PATIENT_ID, birthDate: '1980-05-17', gender: 'female' };
const LOINC = 'http://loinc.org';

/** Normalises the given resources together with a Patient; resources are plain JSON as read from a file. */
export function recordOf(...resources: object[]): PatientRecord {
  return normalise([PATIENT, ...resources] as unknown as Resource[]);
}

/** A final Observation of the patient with the given extra fields. */
export function observation(id: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    id,
    status: 'final',
    code: { coding: [{ system: LOINC, code: '2160-0' }] },
    subject: { reference: `Patient/${PATIENT_ID}` },
    effectiveDateTime: '2024-05-01',
    ...fields,
  };
}

export function onlyObservation(record: PatientRecord): ObservationFact {
  expect(record.observations).toHaveLength(1);
  return record.observations[0] as ObservationFact;
}
