import { z } from 'zod';
import { SCREENING_RESOURCE_TYPES } from '../input/resource-types';

const fhirId = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id');

/** One Bulk Data export as the client asks for it. */
export const exportRequestSchema = z
  .object({
    level: z.discriminatedUnion('kind', [z.object({ kind: z.literal('patient') }).strict(), z.object({ kind: z.literal('group'), groupId: fhirId }).strict()]),
    /** `_type`; all the server exports when absent. */
    types: z.array(z.string().regex(/^[A-Z][A-Za-z]+$/, 'a resource type')).min(1).optional(),
    /** `_typeFilter` values, e.g. "Observation?category=laboratory". */
    typeFilters: z.array(z.string().min(3)).optional(),
    /** `_since`: only resources changed after this instant (the previous export's transactionTime). */
    since: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/, 'a FHIR instant with a time zone')
      .optional(),
    /** `patient`: narrow the export to these Patient ids. */
    patients: z.array(fhirId).min(1).optional(),
  })
  .strict();

export type ExportRequest = z.infer<typeof exportRequestSchema>;

/** The kick-off path for a level. */
export function kickOffPath(level: ExportRequest['level']): string {
  return level.kind === 'group' ? `Group/${encodeURIComponent(level.groupId)}/$export` : 'Patient/$export';
}

/** Kick-off parameters, for the query of a GET (or a Parameters body where POST is needed); `patient` is a Reference, carried only by POST. */
export function kickOffParameters(request: ExportRequest): { name: string; value: string; kind: 'valueString' | 'valueInstant' | 'valueReference' }[] {
  const out: { name: string; value: string; kind: 'valueString' | 'valueInstant' | 'valueReference' }[] = [
    { name: '_outputFormat', value: 'application/fhir+ndjson', kind: 'valueString' },
  ];
  if (request.types) out.push({ name: '_type', value: request.types.join(','), kind: 'valueString' });
  if (request.since) out.push({ name: '_since', value: request.since, kind: 'valueInstant' });
  for (const filter of request.typeFilters ?? []) out.push({ name: '_typeFilter', value: filter, kind: 'valueString' });
  for (const patient of request.patients ?? []) out.push({ name: 'patient', value: `Patient/${patient}`, kind: 'valueReference' });
  return out;
}

/**
 * Whether the files hold each exported patient's whole record as screening reads it. An
 * incremental (`_since`), filtered (`_typeFilter`) or type-limited export does not: screening
 * such a part as if it were the record would turn missing data into wrong results, so its
 * patients are handed on by id only, to be read in full from the server.
 */
export function recordCompleteness(request: ExportRequest): { complete: true } | { complete: false; reason: string } {
  if (request.since) return { complete: false, reason: 'an incremental export (_since) holds only what changed; its patients are read in full by id' };
  if (request.typeFilters?.length) return { complete: false, reason: 'a filtered export (_typeFilter) may leave out data screening reads; its patients are read in full by id' };
  if (request.types) {
    const missing = SCREENING_RESOURCE_TYPES.filter((t) => !request.types?.includes(t));
    if (missing.length > 0) return { complete: false, reason: `the export leaves out ${missing.join(', ')}; its patients are read in full by id` };
  }
  return { complete: true };
}
