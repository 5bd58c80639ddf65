import { z } from 'zod';

/** Patient and Group ids are FHIR ids; anything else is refused before it reaches a server or a file. */
export const fhirIdSchema = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id: letters, digits, "-" and ".", at most 64');

/** Run ids name a folder under the data dir: no separators, no leading dot. */
export const runIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'a run id: letters, digits, ".", "_" and "-", starting with a letter or digit, at most 80');

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date is YYYY-MM-DD');

/** How candidates are picked on the server. */
export const serverSelectionSchema = z.discriminatedUnion('by', [
  /** Patients with a Condition in the trial's candidateValueSets. */
  z.object({ by: z.literal('diagnosis') }).strict(),
  /** The active members of a Group (nested Groups followed). */
  z.object({ by: z.literal('group'), group: fhirIdSchema }).strict(),
  z.object({ by: z.literal('patients'), patients: z.array(fhirIdSchema).min(1).max(1_000_000) }).strict(),
  /**
   * Everyone in a Bulk Data export (the Group's members, or every patient), screened from the
   * NDJSON files; on a server that does not export, the same patients by searches (the Group's
   * members, or every Patient on the server).
   */
  z.object({ by: z.literal('export'), group: fhirIdSchema.optional() }).strict(),
]);

/** A selection, or candidates a caller supplies itself (the Bulk Data path): the run then records only their description. */
export const selectionSchema = z.union([
  serverSelectionSchema,
  z.object({ by: z.literal('supplied'), description: z.string().min(1).max(200) }).strict(),
]);

export type ServerSelection = z.infer<typeof serverSelectionSchema>;
export type Selection = z.infer<typeof selectionSchema>;

/** What a run screens; stored with the run so a resumed run screens exactly the same way. */
export const cohortDefinitionSchema = z
  .object({
    trial: z.string().min(1),
    select: selectionSchema,
    /** The screening date, fixed when the run is created: a run resumed the next day still screens as of it. */
    asOf: isoDate,
    leukapheresisDate: isoDate.optional(),
    /** Write each patient's result back to the FHIR server (ReportWriter). */
    writeBack: z.boolean().default(false),
    /** Write the summary MeasureReport to the FHIR server when the run completes. */
    writeMeasureReport: z.boolean().default(false),
  })
  .strict();

export type CohortDefinition = z.infer<typeof cohortDefinitionSchema>;

/** POST /api/cohort-runs and the scheduler: the definition with today as the default date, and an optional run id to resume. */
export const cohortRunRequestSchema = z
  .object({
    trial: z.string().min(1),
    select: serverSelectionSchema.default({ by: 'diagnosis' }),
    asOf: isoDate.optional(),
    leukapheresisDate: isoDate.optional(),
    writeBack: z.boolean().default(false),
    writeMeasureReport: z.boolean().default(false),
    runId: runIdSchema.optional(),
  })
  .strict();

export type CohortRunRequest = z.input<typeof cohortRunRequestSchema>;
