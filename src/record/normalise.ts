import { addAllergy } from './allergy';
import { unreadable, warn, type RecordBuilder } from './builder';
import { canonicalOrder, type Indexed } from './canonical-order';
import { addCondition } from './condition';
import { addDiagnosticReport } from './diagnostic-report';
import { addEncounter } from './encounter';
import { addFamilyHistory } from './family-history';
import type { Resource } from '@medplum/fhirtypes';
import { addImmunization } from './immunization';
import { addMedicationAdministration, addMedicationRequest, addMedicationStatement } from './medication';
import { addObservation } from './observation';
import { addProcedure } from './procedure';
import { concept, list, obj, str } from './read';
import { patientIdOf } from './patient-link';
import { isFhirDate, parseFhirDateTime } from './fhir-date';
import { checkReadable } from './readable';
import { parseReference } from './references';
import { addResearchSubject } from './research-subject';
import { addServiceRequest } from './service-request';
import { chooseVersion } from './versions';
import { blankRecord, type DataGap, type PatientRecord } from './types';

export interface NormaliseOptions {
  /** The patient the resources belong to; by default the Patient resource's id. */
  patientId?: string;
  /** What the reader could not read (searches not offered, OperationOutcomes, unreadable entries). */
  gaps?: readonly DataGap[];
  /**
   * Linked Patient ids (Patient.link) whose data the reader fetched into these resources. Data of
   * a linked patient that is among the resources counts as well.
   */
  linkedPatientsRead?: readonly string[];
}

/** The reader's findings about a patient's resources, as normalise takes them. */
export function normaliseOptionsOf(read: { gaps?: readonly DataGap[]; linkedPatientsRead?: readonly string[] }): NormaliseOptions {
  return { ...(read.gaps ? { gaps: read.gaps } : {}), ...(read.linkedPatientsRead ? { linkedPatientsRead: read.linkedPatientsRead } : {}) };
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
  Encounter: addEncounter,
  FamilyMemberHistory: addFamilyHistory,
  ServiceRequest: addServiceRequest,
};

/**
 * One patient's FHIR resources to the record the engine reads (CONVENTIONS.md "Which data
 * counts"). A single pass over the resources, after a quick one to find the Patient and the
 * Medications. Bad data never throws: what cannot be used is named in `warnings`, what does
 * not count is listed in `ignored` with the reason. Other resource types (Claim, CarePlan...)
 * are passed over.
 */
export function normalise(patientResources: readonly Resource[], options: NormaliseOptions = {}): PatientRecord {
  // Which Patient is screened is the caller's to say (options.patientId, else the first Patient
  // given); everything after that reads the resources in canonical order (canonical-order.ts).
  const patientId = options.patientId ?? firstPatientId(patientResources) ?? inferPatientId(patientResources);
  const ordered = canonicalOrder(patientResources);
  const medications = new Map<string, Record<string, unknown>>();
  const patients: Record<string, unknown>[] = [];
  for (const { item } of ordered) {
    const resource = obj(item);
    if (!resource) continue;
    const id = str(resource.id);
    if (resource.resourceType === 'Medication' && id !== undefined) medications.set(`Medication/${id}`, resource);
    else if (resource.resourceType === 'Patient' && id !== undefined && id === patientId) patients.push(resource);
  }

  const record: PatientRecord = blankRecord(patientId);
  record.gaps.push(...(options.gaps ?? []));
  const builder: RecordBuilder = { record, medications };
  if (patientId === undefined) warn(builder, 'Patient', 'no Patient resource and no patient reference: the patient is unknown');
  const patient = choosePatient(builder, patients);
  if (patient) addDemographics(builder, patient);
  const owners = ownersOf(record, patientResources, options.linkedPatientsRead ?? []);

  const chosen = chooseResources(builder, ordered);
  for (const [i, resource] of chosen) {
    const type = resource.resourceType as string;
    const handler = HANDLERS[type];
    if (!handler) {
      if (type === 'Patient' && str(resource.id) !== patientId && !owners.has(str(resource.id) ?? '')) {
        warn(builder, `Patient/${String(resource.id)}`, 'skipped: a second, different Patient among this patient\'s resources');
      }
      continue;
    }
    const id = str(resource.id);
    const reference = id === undefined ? `${type}/(no id, resource[${i}])` : `${type}/${id}`;
    if (id === undefined) warn(builder, reference, 'the resource has no id, so evidence cannot cite it by reference');
    const owner = patientIdOf(resource);
    if (owner !== undefined && patientId !== undefined && !owners.has(owner)) {
      warn(builder, reference, `skipped: it belongs to Patient/${owner}, not Patient/${patientId}`);
      continue;
    }
    const readable = checkReadable(type, resource);
    if (!readable.ok) {
      unreadable(builder, type as DataGap['kind'], reference, readable.reason, readable.concept);
      continue;
    }
    try {
      handler(builder, resource, reference);
    } catch (error) {
      // The readers check every field; this is the last guard so one odd resource cannot sink a patient.
      unreadable(builder, type as DataGap['kind'], reference, `could not be read (${error instanceof Error ? error.message : String(error)})`, concept(resource.code));
    }
  }
  return record;
}

/**
 * The resources to read, one per "Type/id" (CONVENTIONS.md "Conflicts"): an identical copy is
 * dropped; a later version or a correction replaces the earlier one; two that disagree for no
 * stated reason are a conflict, kept once (the first in canonical order, for the evidence) and
 * marked so the criteria they feed go to a person whatever the order of the file.
 */
function chooseResources(builder: RecordBuilder, resources: readonly Indexed<Resource>[]): [number, Record<string, unknown>][] {
  const byKey = new Map<string, [number, Record<string, unknown>]>();
  const out: [number, Record<string, unknown>][] = [];
  for (const { index: i, item } of resources) {
    const resource = obj(item);
    if (!resource) {
      unreadable(builder, 'any', `resource[${i}]`, 'not a JSON object', undefined);
      continue;
    }
    const type = str(resource.resourceType);
    if (type === undefined) {
      unreadable(builder, 'any', `resource[${i}]`, 'no resourceType', undefined);
      continue;
    }
    const id = str(resource.id);
    if (id === undefined || type === 'Patient' || type === 'Medication') {
      out.push([i, resource]);
      continue;
    }
    const key = `${type}/${id}`;
    const earlier = byKey.get(key);
    if (!earlier) {
      const slot: [number, Record<string, unknown>] = [i, resource];
      byKey.set(key, slot);
      out.push(slot);
      continue;
    }
    const choice = chooseVersion(earlier[1], resource);
    if (choice === 'conflict') {
      conflict(builder, type, key, `${key} appears twice with different content and nothing says which is current`, concept(resource.code) ?? concept(earlier[1].code));
    } else if (choice === 'second') {
      earlier[1] = resource;
    }
  }
  return out;
}

function conflict(builder: RecordBuilder, type: string, where: string, reason: string, what: DataGap['concept']): void {
  warn(builder, where, `conflict: ${reason}`);
  const gap: DataGap = { kind: type as DataGap['kind'], severity: 'conflict', where, reason };
  if (what) gap.concept = what;
  builder.record.gaps.push(gap);
}

/** One Patient record of the patient's id; two that disagree are a conflict for the demographics. */
function choosePatient(builder: RecordBuilder, patients: Record<string, unknown>[]): Record<string, unknown> | undefined {
  let chosen = patients[0];
  for (const other of patients.slice(1)) {
    if (!chosen) break;
    const choice = chooseVersion(chosen, other);
    if (choice === 'second') chosen = other;
    else if (choice === 'conflict') {
      const where = `Patient/${String(chosen.id)}`;
      conflict(builder, 'Patient', where, `two Patient records of ${where} disagree`, undefined);
    }
  }
  return chosen;
}

/**
 * The Patient ids whose data is this person's: the patient and the linked records that were
 * read. A link to a record not read leaves the outcome at best a potential candidate.
 */
function ownersOf(record: PatientRecord, resources: readonly Resource[], linkedRead: readonly string[]): Set<string> {
  const owners = new Set<string>([record.patientId]);
  const present = new Set<string>(linkedRead);
  for (const item of resources) {
    const resource = obj(item);
    if (!resource || resource.resourceType === 'Patient' || resource.resourceType === 'Medication') continue;
    const owner = patientIdOf(resource);
    if (owner !== undefined) present.add(owner);
  }
  for (const link of record.links) {
    const id = link.reference.slice('Patient/'.length);
    if (present.has(id) || resources.some((r) => r.resourceType === 'Patient' && r.id === id)) {
      owners.add(id);
      record.linksRead.push(link.reference);
    }
  }
  return owners;
}

function addDemographics(builder: RecordBuilder, patient: Record<string, unknown>): void {
  const { record } = builder;
  const birthDate = str(patient.birthDate);
  if (birthDate !== undefined && isFhirDate(birthDate)) record.birthDate = birthDate;
  else if (patient.birthDate !== undefined) unreadable(builder, 'Patient', record.patientReference, 'birthDate is not a valid FHIR date', undefined);
  const gender = str(patient.gender);
  if (gender !== undefined) record.gender = gender;
  for (const item of list(patient.link)) {
    const link = obj(item);
    const target = str(obj(link?.other)?.reference);
    const key = target === undefined ? undefined : parseReference(target);
    if (key?.resourceType === 'Patient' && key.id !== record.patientId) {
      record.links.push({ reference: `Patient/${key.id}`, type: str(link?.type) ?? 'seealso' });
    } else if (link && key === undefined) {
      warn(builder, record.patientReference, `a Patient.link that names no readable Patient (${target ?? 'no reference'})`);
    }
  }
  if (patient.active === false) warn(builder, record.patientReference, 'the Patient record is marked inactive (active: false)');
  const deceasedDate = str(patient.deceasedDateTime);
  if (deceasedDate !== undefined && parseFhirDateTime(deceasedDate) !== undefined) {
    record.deceased = true;
    record.deceasedDate = deceasedDate;
  } else if (patient.deceasedDateTime !== undefined) {
    // A death date that cannot be read may still be a death: nothing about the patient is current.
    unreadable(builder, 'Patient', record.patientReference, 'deceasedDateTime is not a valid FHIR dateTime', undefined);
  } else if (typeof patient.deceasedBoolean === 'boolean') {
    record.deceased = patient.deceasedBoolean;
  } else if (patient.deceasedBoolean !== undefined) {
    unreadable(builder, 'Patient', record.patientReference, 'deceasedBoolean is not a boolean', undefined);
  }
}

function firstPatientId(resources: readonly Resource[]): string | undefined {
  for (const item of resources) {
    const resource = obj(item);
    const id = resource?.resourceType === 'Patient' ? str(resource.id) : undefined;
    if (id !== undefined) return id;
  }
  return undefined;
}

/** Without a Patient resource: the patient the first resource (in canonical order) belongs to. */
function inferPatientId(resources: readonly Resource[]): string | undefined {
  for (const { item } of canonicalOrder(resources)) {
    const resource = obj(item);
    const id = resource ? patientIdOf(resource) : undefined;
    if (id !== undefined) return id;
  }
  return undefined;
}
