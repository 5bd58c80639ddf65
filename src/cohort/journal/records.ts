import { z } from 'zod';

/**
 * One line of a run's journal (JSONL, append-only). A patient appears once, as `screened` or
 * `failed`; `attempt`, `selected` and `end` lines record the run's life around them.
 */
const at = z.string().min(1);
const ids = z.array(z.string());

export const screenedRecordSchema = z.object({
  type: z.literal('screened'),
  patientId: z.string().min(1),
  outcome: z.enum(['eligible', 'ineligible', 'potential-candidate']),
  /** Criterion ids by status, as the report's summary groups them; every other criterion is met. */
  notMet: ids,
  awaitingWashout: ids,
  unknown: ids,
  review: ids,
  /** Resources written back (write-back runs only). */
  written: z.number().int().min(0).optional(),
  at,
});

export const failedRecordSchema = z.object({
  type: z.literal('failed'),
  patientId: z.string().min(1),
  /** An EligoError code (ERR_PATIENT_NOT_FOUND, ERR_FHIR_UNAVAILABLE, ...). */
  code: z.string().min(1),
  reason: z.string(),
  /** The server refused for rate (429) and asked for this wait: the run waits and screens the patient again. */
  retryAfterMs: z.number().int().min(0).optional(),
  at,
});

export const attemptRecordSchema = z.object({ type: z.literal('attempt'), attempt: z.number().int().min(1), pid: z.number().int(), at });

export const selectedRecordSchema = z.object({
  type: z.literal('selected'),
  total: z.number().int().min(0).optional(),
  /** True when the candidate ids were kept in the run folder (a resumed run reads them from there). */
  snapshot: z.boolean(),
  warnings: z.array(z.string()).default([]),
  at,
});

export const endRecordSchema = z.object({
  type: z.literal('end'),
  status: z.enum(['completed', 'cancelled', 'failed']),
  reason: z.string().optional(),
  code: z.string().optional(),
  at,
});

export const journalRecordSchema = z.discriminatedUnion('type', [
  screenedRecordSchema,
  failedRecordSchema,
  attemptRecordSchema,
  selectedRecordSchema,
  endRecordSchema,
]);

export type ScreenedRecord = z.infer<typeof screenedRecordSchema>;
export type FailedRecord = z.infer<typeof failedRecordSchema>;
export type PatientRecord = ScreenedRecord | FailedRecord;
export type EndRecord = z.infer<typeof endRecordSchema>;
export type SelectedRecord = z.infer<typeof selectedRecordSchema>;
export type JournalRecord = z.infer<typeof journalRecordSchema>;
