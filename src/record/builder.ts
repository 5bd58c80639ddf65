import type { Concept, DataGap, IgnoredResource, PatientRecord } from './types';

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

/** Data that is there but cannot be read: named in the warnings and kept as a gap (see DataGap). */
export function unreadable(builder: RecordBuilder, kind: DataGap['kind'], where: string, reason: string, concept?: Concept): void {
  warn(builder, where, `not read: ${reason}`);
  const gap: DataGap = { kind, severity: 'unread', where, reason: `${where} could not be read: ${reason}` };
  if (concept) gap.concept = concept;
  builder.record.gaps.push(gap);
}
