import { EligoError } from '../errors/eligo-error';
import { SCREENING_RESOURCE_TYPES } from '../input/resource-types';
import { gapOfOutcome } from '../input/outcome-gaps';
import type { PatientResources } from '../input/types';
import { parseReference } from '../record/references';
import type { DataGap, DataKind } from '../record/types';
import type { BundleEntry, Patient, Resource } from '@medplum/fhirtypes';
import type { ServerCapabilities } from './capabilities';
import { mapLimit } from './concurrency';
import { httpError } from './http/fhir-http';
import type { FhirHttp } from './http/fhir-http';
import { displayBaseUrl } from './http/describe-request';
import { missingMedicationReferences, readMedications } from './medications';
import { searchEntries } from './paging';
import { readMany } from './read-many';
import type { ReadResult } from './read-many';

export interface FetchWarning {
  where: string;
  message: string;
}

/** One patient's resources from a FHIR server, in the shape the file readers give (src/input). */
export interface FetchedPatientResources extends PatientResources {
  /** Data the server could not give: types it cannot search, Medications it does not have, OperationOutcome entries. */
  warnings: FetchWarning[];
  /** HTTP round trips this fetch took (retries included; the cached CapabilityStatement not). */
  roundTrips: number;
}

export interface FetchSettings {
  pageSize: number;
  concurrency: number;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** Patient-linked types searched by patient (Patient is read; Medication follows the references). */
const SEARCHED_TYPES = SCREENING_RESOURCE_TYPES.filter((t) => t !== 'Patient' && t !== 'Medication');

export interface FetchScope {
  /**
   * The types to read (src/input/resource-types.ts screeningTypesFor): a screening whose trials
   * read no Encounter does not page through hundreds of them. Default: every screening type.
   */
  types?: readonly string[];
  /**
   * Types the caller knows it may not read (a SMART launch granted fewer scopes than asked):
   * not searched, and recorded as gaps, so what depends on them is unknown rather than the
   * screening failing on the server's 403.
   */
  notGranted?: readonly string[];
}

/**
 * Every resource screening reads for one patient (CONVENTIONS.md "Inputs"): the Patient, a
 * search per patient-linked type followed through every `link[next]`, then the Medication
 * resources their medicationReference names that the searches did not bring.
 */
export async function fetchPatientResources(
  http: FhirHttp,
  capabilities: ServerCapabilities,
  patientId: string,
  settings: FetchSettings,
  followLinks = true,
  scope: FetchScope = {},
): Promise<FetchedPatientResources> {
  if (!ID.test(patientId)) {
    throw new EligoError('ERR_ARGUMENT_INVALID', 'a patient id is 1-64 letters, digits, "-" or "."', { where: 'patientId' });
  }
  const startTrips = http.roundTrips;
  const warnings: FetchWarning[] = [];
  const gaps: DataGap[] = [];
  const searches: { type: string; url: string }[] = [];
  const wanted = scope.types === undefined ? SEARCHED_TYPES : SEARCHED_TYPES.filter((t) => scope.types?.includes(t));
  for (const type of wanted) {
    if (scope.notGranted?.includes(type)) {
      warnings.push({ where: type, message: `the access token does not grant reading ${type}; none were read` });
      gaps.push({ kind: type as DataKind, severity: 'unread', where: type, reason: `${type} data was not read: the access token does not grant it` });
      continue;
    }
    if (!capabilities.canSearch(type)) {
      const message = `the server does not offer ${type} search; none were read`;
      warnings.push({ where: type, message });
      gaps.push({ kind: type as DataKind, severity: 'unread', where: type, reason: `${type} data was not read: the server does not offer ${type} search` });
      continue;
    }
    searches.push({ type, url: `${type}?${patientParameter(capabilities, type)}=${encodeURIComponent(patientId)}&_count=${settings.pageSize}` });
  }

  const patientUrl = `Patient/${patientId}`;
  const [patientRead, ...searchReads] = await readMany(http, capabilities, [patientUrl, ...searches.map((s) => s.url)], settings.concurrency);
  const patient = requirePatient(http, patientRead, patientId);

  const found = new Map<string, Resource>();
  const pages = await mapLimit(searchReads, settings.concurrency, (read) => searchEntries(http, read));
  pages.forEach((entries, i) => addEntries(found, entries, warnings, gaps, searches[i]?.type as DataKind));

  const missing = missingMedicationReferences(found.values(), http.baseUrl, warnings);
  const medications = await readMedications(http, capabilities, missing, settings, warnings);
  for (const medication of medications) found.set(`Medication/${medication.id ?? ''}`, medication);

  found.delete(`Patient/${patientId}`);
  const resources: Resource[] = [patient, ...found.values()];
  const linkedPatientsRead: string[] = [];
  if (followLinks) {
    // Patient.link: the linked records are the same person, so their data counts too (CONVENTIONS.md "The patient").
    for (const linkedId of linkedPatientIds(patient, http.baseUrl)) {
      try {
        const linked = await fetchPatientResources(http, capabilities, linkedId, settings, false, scope);
        resources.push(...linked.resources);
        warnings.push(...linked.warnings);
        gaps.push(...(linked.gaps ?? []));
        linkedPatientsRead.push(linkedId);
      } catch (error) {
        if (!(error instanceof EligoError)) throw error;
        warnings.push({ where: `Patient/${linkedId}`, message: `the linked Patient record could not be read (${error.code})` });
      }
    }
  }
  return {
    patientId,
    resources,
    source: displayBaseUrl(http.baseUrl),
    warnings,
    gaps,
    linkedPatientsRead,
    roundTrips: http.roundTrips - startTrips,
  };
}

/** Ids of the Patients `link`ed from this one that live on the same server (others cannot be read with its token). */
function linkedPatientIds(patient: Patient, baseUrl: string): string[] {
  const ids: string[] = [];
  for (const link of patient.link ?? []) {
    const reference = link.other?.reference;
    if (reference === undefined) continue;
    const local = reference.startsWith(`${baseUrl.replace(/\/+$/, '')}/`) ? reference.slice(baseUrl.replace(/\/+$/, '').length + 1) : reference;
    const key = parseReference(local);
    if (key?.resourceType === 'Patient' && key.id !== patient.id && ID.test(key.id) && !/^[a-z]+:/i.test(local)) ids.push(key.id);
  }
  return [...new Set(ids)];
}

/** R4 ResearchSubject's patient parameter is `individual` (`patient` is its alias); others use `patient`. */
function patientParameter(capabilities: ServerCapabilities, type: string): string {
  if (type !== 'ResearchSubject') return 'patient';
  const declared = capabilities.searchParams(type);
  return declared && !declared.has('individual') && declared.has('patient') ? 'patient' : 'individual';
}

function requirePatient(http: FhirHttp, read: ReadResult | undefined, patientId: string): Patient {
  if (read && (read.status === 404 || read.status === 410)) {
    throw new EligoError('ERR_PATIENT_NOT_FOUND', `Patient/${patientId} is not on FHIR server ${displayBaseUrl(http.baseUrl)}`, {
      where: displayBaseUrl(http.baseUrl),
    });
  }
  if (!read || read.status < 200 || read.status >= 300) {
    throw httpError(http, { method: 'GET', url: `Patient/${patientId}`, idempotent: true }, read ?? { status: 0, body: undefined });
  }
  const patient = read.body as Patient | undefined;
  if (patient?.resourceType !== 'Patient') {
    throw new EligoError('ERR_FHIR_REQUEST_FAILED', `FHIR server ${displayBaseUrl(http.baseUrl)} answered GET Patient/${patientId} with a ${String(patient?.resourceType)}`);
  }
  return patient;
}

function addEntries(found: Map<string, Resource>, entries: readonly BundleEntry[], warnings: FetchWarning[], gaps: DataGap[], kind: DataKind): void {
  for (const entry of entries) {
    const resource = entry.resource;
    if (!resource) continue;
    if (resource.resourceType === 'OperationOutcome' || entry.search?.mode === 'outcome') {
      const gap = gapOfOutcome(kind, resource, `${kind} search`);
      if (gap) {
        gaps.push(gap);
        warnings.push({ where: `${kind} search`, message: gap.reason });
      }
      continue;
    }
    if (resource.id) found.set(`${resource.resourceType}/${resource.id}`, resource);
  }
}

