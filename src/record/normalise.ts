import { addAllergy } from './allergy';
import { warn, type RecordBuilder } from './builder';
import { addCondition } from './condition';
import { addDiagnosticReport } from './diagnostic-report';
import type { Resource } from '@medplum/fhirtypes';
import { addImmunization } from './immunization';
import { addMedicationAdministration, addMedicationRequest, addMedicationStatement } from './medication';
import { addObservation } from './observation';
import { addProcedure } from './procedure';
import { obj, str } from './read';
import { patientIdOf } from './patient-link';
import { addResearchSubject } from './research-subject';
import { blankRecord, type PatientRecord } from './types';

export interface NormaliseOptions {
  /** The patient the resources belong to; by default the Patient resource's id. */
  patientId?: string;
}

type Handler = (builder: RecordBuilder, resource: Record<string, unknown>, reference: string) => void;

const HANDLERS: Readonly<Record<string, Handler>> = {
  Observation: addObservation,
  DiagnosticReport: addDiagnosticReport,
  Condition: addCondition,
  MedicationStatement: addMedicationStatement,
  MedicationRequest: addMedicationRequest,
  MedicationAdministration: addMedicationAdministration,
  Immunization: addImmunization,
  Procedure: addProcedure,
  AllergyIntolerance: addAllergy,
  ResearchSubject: addResearchSubject,
};

/**
 * One patient's FHIR resources to the record the engine reads (CONVENTIONS.md "Which data
 * counts"). A single pass over the resources, after a quick one to find the Patient and the
 * Medications. Bad data never throws: what cannot be used is named in `warnings`, what does
 * not count is listed in `ignored` with the reason. Other resource types (Encounter, Claim...)
 * are passed over.
 */
export function normalise(patientResources: readonly Resource[], options: NormaliseOptions = {}): PatientRecord {
  const medications = new Map<string, Record<string, unknown>>();
  let patient: Record<string, unknown> | undefined;
  let patientId = options.patientId;
  for (const item of patientResources) {
    const resource = obj(item);
    if (!resource) continue;
    if (resource.resourceType === 'Medication') {
      const id = str(resource.id);
      if (id !== undefined) medications.set(`Medication/${id}`, resource);
    } else if (resource.resourceType === 'Patient' && !patient) {
      const id = str(resource.id);
      if (patientId === undefined || id === patientId) {
        patient = resource;
        patientId ??= id;
      }
    }
  }
  patientId ??= inferPatientId(patientResources);

  const record: PatientRecord = blankRecord(patientId);
  const builder: RecordBuilder = { record, medications };
  if (patientId === undefined) warn(builder, 'Patient', 'no Patient resource and no patient reference: the patient is unknown');
  if (patient) addDemographics(builder, patient);

  for (let i = 0; i < patientResources.length; i++) {
    const resource = obj(patientResources[i]);
    if (!resource) {
      warn(builder, `resource[${i}]`, 'skipped: not a JSON object');
      continue;
    }
    const type = str(resource.resourceType);
    if (type === undefined) {
      warn(builder, `resource[${i}]`, 'skipped: no resourceType');
      continue;
    }
    const handler = HANDLERS[type];
    if (!handler) {
      if (type === 'Patient' && resource !== patient && str(resource.id) !== patientId) {
        warn(builder, `Patient/${String(resource.id)}`, 'skipped: a second, different Patient among this patient\'s resources');
      }
      continue;
    }
    const id = str(resource.id);
    const reference = id === undefined ? `${type}/(no id, resource[${i}])` : `${type}/${id}`;
    if (id === undefined) warn(builder, reference, 'the resource has no id, so evidence cannot cite it by reference');
    const owner = patientIdOf(resource);
    if (owner !== undefined && patientId !== undefined && owner !== patientId) {
      warn(builder, reference, `skipped: it belongs to Patient/${owner}, not Patient/${patientId}`);
      continue;
    }
    try {
      handler(builder, resource, reference);
    } catch (error) {
      // The readers check every field; this is the last guard so one odd resource cannot sink a patient.
      warn(builder, reference, `skipped: could not be read (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  return record;
}

function addDemographics(builder: RecordBuilder, patient: Record<string, unknown>): void {
  const { record } = builder;
  const birthDate = str(patient.birthDate);
  if (birthDate !== undefined) record.birthDate = birthDate;
  else if (patient.birthDate !== undefined) warn(builder, record.patientReference, 'birthDate is not a string');
  const gender = str(patient.gender);
  if (gender !== undefined) record.gender = gender;
  const deceasedDate = str(patient.deceasedDateTime);
  if (deceasedDate !== undefined) {
    record.deceased = true;
    record.deceasedDate = deceasedDate;
  } else if (typeof patient.deceasedBoolean === 'boolean') {
    record.deceased = patient.deceasedBoolean;
  }
}

function inferPatientId(resources: readonly Resource[]): string | undefined {
  for (const item of resources) {
    const resource = obj(item);
    const id = resource ? patientIdOf(resource) : undefined;
    if (id !== undefined) return id;
  }
  return undefined;
}
