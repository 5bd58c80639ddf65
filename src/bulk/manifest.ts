import { z } from 'zod';

const fileSchema = z.object({
  /** Used in local file names, so only a resource type name is accepted. */
  type: z.string().regex(/^[A-Z][A-Za-z]{1,63}$/, 'a resource type name'),
  url: z.string().min(1),
  count: z.number().int().min(0).optional(),
});

/** The completed-export manifest (Bulk Data IG 2.0 "Response - Complete Status"). */
export const manifestSchema = z.object({
  transactionTime: z.string().refine((t) => !Number.isNaN(Date.parse(t)), 'an instant'),
  request: z.string(),
  requiresAccessToken: z.boolean(),
  output: z.array(fileSchema),
  error: z.array(fileSchema).default([]),
});

export type BulkManifest = z.infer<typeof manifestSchema>;
export type ManifestFile = z.infer<typeof fileSchema>;
