import { randomUUID } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { EligoError } from '../errors/eligo-error';
import { manifestSchema } from './manifest';
import { parseJsonOrUndefined } from './bulk-http';

/** Hidden, so readPatientBundles (which skips dot files) never takes it for data. */
export const STATE_FILE = '.eligo-bulk-export.json';

const downloadedSchema = z.object({ type: z.string(), path: z.string(), count: z.number().int().min(0), error: z.boolean() });

/**
 * What an output folder holds, kept after every step so an interrupted export resumes: the
 * status URL once kicked off, the manifest once complete, each file once downloaded (by URL).
 */
export const exportStateSchema = z.object({
  version: z.literal(1),
  /** The request this folder belongs to (server + parameters); another request is refused. */
  key: z.string(),
  statusUrl: z.string().optional(),
  manifest: manifestSchema.optional(),
  downloaded: z.record(z.string(), downloadedSchema).default({}),
  finishedAt: z.string().optional(),
});

export type ExportState = z.infer<typeof exportStateSchema>;
export type DownloadedFile = z.infer<typeof downloadedSchema>;

export async function readExportState(folder: string): Promise<ExportState | undefined> {
  let text: string;
  try {
    text = await readFile(join(folder, STATE_FILE), 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new EligoError('ERR_INPUT_UNREADABLE', `the export state in ${folder} cannot be read`, { where: folder, cause: error });
  }
  const parsed = exportStateSchema.safeParse(parseJsonOrUndefined(text));
  if (!parsed.success) throw new EligoError('ERR_INPUT_INVALID', `the export state in ${folder} is damaged; empty the folder to export again`, { where: folder });
  return parsed.data;
}

/** Written to a temporary file and renamed, so a crash never leaves half a state. */
export async function writeExportState(folder: string, state: ExportState): Promise<void> {
  const temporary = join(folder, `${STATE_FILE}.${randomUUID()}.tmp`);
  await writeFile(temporary, JSON.stringify(state));
  await rename(temporary, join(folder, STATE_FILE));
}

