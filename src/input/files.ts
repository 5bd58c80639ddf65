import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { EligoError } from '../errors/eligo-error';
import type { InputFileError } from './types';

export interface InputFiles {
  bundles: string[];
  ndjson: string[];
}

const NDJSON = /\.(ndjson|jsonl)$/i;
const JSON_FILE = /\.json$/i;
/** Bulk Data names files after their type, sometimes with a part number: Observation.000.ndjson, Observation_2.ndjson. */
const BULK_FILE_TYPE = /^([A-Z][A-Za-z]+)(?:[._-]\d+)*\.(?:ndjson|jsonl|NDJSON|JSONL)$/;

/**
 * The input files under the given paths: a path that is a file is taken whatever its
 * extension (.ndjson/.jsonl as NDJSON, anything else as a Bundle); a folder contributes its
 * .json and .ndjson files, recursively, in name order, skipping hidden ones. A path that does
 * not exist or cannot be inspected fails the whole read.
 */
export async function findInputFiles(paths: readonly string[], errors: InputFileError[]): Promise<InputFiles> {
  const found: InputFiles = { bundles: [], ndjson: [] };
  const seen = new Set<string>();
  const add = (file: string): void => {
    const absolute = resolve(file);
    if (seen.has(absolute)) return;
    seen.add(absolute);
    (NDJSON.test(file) ? found.ndjson : found.bundles).push(file);
  };
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${String(code ?? error)})`;
      throw new EligoError('ERR_INPUT_UNREADABLE', `input path ${path} ${why}`, { where: path, cause: error });
    }
    if (info.isDirectory()) {
      const before = found.bundles.length + found.ndjson.length;
      await walk(path, add, errors);
      if (found.bundles.length + found.ndjson.length === before) errors.push({ file: path, message: 'no .json or .ndjson files in this folder' });
    } else {
      add(path);
    }
  }
  return found;
}

async function walk(folder: string, add: (file: string) => void, errors: InputFileError[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    errors.push({ file: folder, message: `folder could not be listed (${String((error as { code?: unknown }).code ?? error)})` });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await walk(path, add, errors);
    else if (entry.isFile() && (NDJSON.test(entry.name) || JSON_FILE.test(entry.name))) add(path);
  }
}

/** The resource type a Bulk Data file is named after, if its name says. */
export function bulkFileType(file: string): string | undefined {
  return BULK_FILE_TYPE.exec(basename(file))?.[1];
}
