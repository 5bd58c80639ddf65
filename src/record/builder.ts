import type { Concept, IgnoredResource, PatientRecord } from './types';

/** The record being filled in, plus the two ways of setting data aside. */
export interface RecordBuilder {
  record: PatientRecord;
  /** Medication resources by "Medication/<id>", for medicationReference. */
  medications: ReadonlyMap<string, Record<string, unknown>>;
}

export function warn(builder: RecordBuilder, where: string, message: string): void {
  builder.record.warnings.push({ where, message });
}

export function ignore(builder: RecordBuilder, reference: string, resourceType: string, reason: string, concept?: Concept): void {
  const item: IgnoredResource = { reference, resourceType, reason };
  if (concept) item.concept = concept;
  builder.record.ignored.push(item);
}
