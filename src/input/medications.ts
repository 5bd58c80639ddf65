import type { Resource } from '@medplum/fhirtypes';
import { list, obj, str } from '../record/read';
import { relativeReference } from '../record/references';
import { MEDICATION_USE_TYPES } from './resource-types';

/**
 * Adds to a patient's resources the Medication resources their medicationReference (and those
 * Medications' ingredient itemReference) name, so `normalise` can resolve them. Medications
 * are shared catalog entries, not the patient's own data, hence attached rather than grouped.
 */
export function attachMedications(resources: Resource[], catalog: ReadonlyMap<string, Resource>): void {
  if (catalog.size === 0) return;
  let attached: Set<string> | undefined;
  const attach = (reference: unknown): void => {
    const text = str(reference);
    const key = text === undefined ? undefined : relativeReference(text);
    if (key === undefined || attached?.has(key)) return;
    const medication = catalog.get(key);
    if (!medication) return;
    (attached ??= new Set()).add(key);
    resources.push(medication);
    for (const ingredient of list((medication as unknown as Record<string, unknown>).ingredient)) {
      attach(obj(obj(ingredient)?.itemReference)?.reference);
    }
  };
  const count = resources.length;
  for (let i = 0; i < count; i++) {
    const resource = resources[i] as unknown as Record<string, unknown>;
    if (MEDICATION_USE_TYPES.has(resource.resourceType as string)) attach(obj(resource.medicationReference)?.reference);
  }
}
