import type { Bundle, Resource } from '@medplum/fhirtypes';
import { patientIdOf } from '../record/patient-link';
import type { DataGap } from '../record/types';
import { obj, str } from '../record/read';
import { resourcesOfBundle } from './bundle-resources';
import { attachMedications } from './medications';
import { PATIENT_DATA_TYPES, typeFilter } from './resource-types';
import type { InputFileError, PatientResources } from './types';

export interface GroupOptions {
  /** Label used as `source` and in errors; default "request". */
  source?: string;
  /** Resource types to keep; all when absent. */
  resourceTypes?: Iterable<string>;
}

export interface GroupResult {
  patients: PatientResources[];
  errors: InputFileError[];
}

/**
 * In-memory grouping, for a Bundle already parsed (the HTTP API receives Bundles) or a list of
 * resources. A Bundle's `urn:uuid:` references are rewritten in place to "Type/id".
 */
export function groupResourcesByPatient(input: Bundle | readonly Resource[], options: GroupOptions = {}): GroupResult {
  const source = options.source ?? 'request';
  const errors: InputFileError[] = [];
  const gaps: DataGap[] = [];
  const keep = typeFilter(options.resourceTypes);
  let resources: readonly Resource[];
  if (Array.isArray(input)) {
    resources = keep === undefined ? input : input.filter((r) => keep.has(str(obj(r)?.resourceType) ?? ''));
  } else {
    const fromBundle = resourcesOfBundle(input, source, errors, keep, gaps);
    if (!fromBundle) return { patients: [], errors };
    resources = fromBundle;
  }
  return { patients: withGaps(groupResources(resources, source, errors), gaps), errors };
}

/** Groups by Patient id; Medications are attached to the patients whose resources name them. */
export function groupResources(resources: readonly Resource[], source: string, errors: InputFileError[]): PatientResources[] {
  const catalog = new Map<string, Resource>();
  const groups = new Map<string, Resource[]>();
  for (let i = 0; i < resources.length; i++) {
    const resource = obj(resources[i]);
    const type = str(resource?.resourceType);
    if (!resource || type === undefined) {
      errors.push({ file: source, location: `resource[${i}]`, message: 'not a FHIR resource (no resourceType)' });
      continue;
    }
    const id = str(resource.id);
    if (type === 'Medication') {
      if (id !== undefined) catalog.set(`Medication/${id}`, resource as unknown as Resource);
      continue;
    }
    const patientId = type === 'Patient' ? id : patientIdOf(resource);
    if (patientId === undefined) {
      if (type === 'Patient' || PATIENT_DATA_TYPES.has(type)) {
        errors.push({ file: source, location: id === undefined ? `resource[${i}]` : `${type}/${id}`, message: missingPatientMessage(type, resource) });
      }
      continue;
    }
    let group = groups.get(patientId);
    if (!group) groups.set(patientId, (group = []));
    group.push(resource as unknown as Resource);
  }
  const patients: PatientResources[] = [];
  for (const [patientId, group] of groups) {
    attachMedications(group, catalog);
    patients.push({ patientId, resources: group, source });
  }
  return patients;
}

/** A file's gaps belong to every patient read from it: which of them the missing data was about cannot be told. */
export function withGaps(patients: PatientResources[], gaps: readonly DataGap[]): PatientResources[] {
  if (gaps.length > 0) for (const patient of patients) patient.gaps = [...(patient.gaps ?? []), ...gaps];
  return patients;
}

export function missingPatientMessage(type: string, resource: Record<string, unknown>): string {
  if (type === 'Patient') return 'skipped: the Patient has no id';
  for (const link of ['subject', 'patient', 'individual']) {
    const reference = str(obj(resource[link])?.reference);
    if (reference !== undefined) {
      return reference.startsWith('urn:')
        ? `skipped: its ${link} ${reference} is not an entry of the Bundle`
        : `skipped: its ${link} ${reference} is not a Patient reference`;
    }
  }
  return 'skipped: no subject, patient or individual reference to a Patient';
}
