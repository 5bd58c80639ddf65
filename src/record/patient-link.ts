import { obj, str } from './read';
import { parseReference } from './references';

const PATIENT_LINKS = ['subject', 'patient', 'individual'] as const;

/** The Patient id a resource points at through subject, patient or individual, if it says. */
export function patientIdOf(resource: Record<string, unknown>): string | undefined {
  for (const link of PATIENT_LINKS) {
    const reference = str(obj(resource[link])?.reference);
    if (reference === undefined) continue;
    const key = parseReference(reference);
    if (key?.resourceType === 'Patient') return key.id;
  }
  return undefined;
}
