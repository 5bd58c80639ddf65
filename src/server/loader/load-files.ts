import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { EligoError } from '../../errors/eligo-error';
import type { LoadInput, LoadOptions, LoadResult } from './load-resources';

export interface LoadSummary {
  files: string[];
  resources: number;
  byType: Record<string, number>;
  /** Paths that do not exist (e.g. examples/ before anyone wrote examples); not an error. */
  missing: string[];
  /** JSON files that are not FHIR (no resourceType), e.g. example reports next to example data. */
  skipped: string[];
}

/**
 * Seeds a server from files: `.json` (a Bundle or one resource) and `.ndjson` (one resource per
 * line, as Bulk Data exports them), or folders of them (sorted by name, subfolders included).
 * A file that is not valid JSON stops the load with the file and line named.
 */
export async function loadFhirFiles(
  target: { load(input: LoadInput, options?: LoadOptions): Promise<LoadResult> },
  paths: readonly string[],
): Promise<LoadSummary> {
  const summary: LoadSummary = { files: [], resources: 0, byType: {}, missing: [], skipped: [] };
  for (const path of paths) {
    const files = await listFiles(path);
    if (files === undefined) {
      summary.missing.push(path);
      continue;
    }
    for (const file of files) {
      const input = await readFhirFile(file);
      if (input === undefined) {
        summary.skipped.push(file);
        continue;
      }
      // Freshly parsed and never used again: hand it over without a copy.
      const result = await target.load(input, { owned: true });
      summary.files.push(file);
      summary.resources += result.resources;
      for (const [type, n] of Object.entries(result.byType)) summary.byType[type] = (summary.byType[type] ?? 0) + n;
    }
  }
  return summary;
}

async function listFiles(path: string): Promise<string[] | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return undefined;
  if (info.isFile()) return [path];
  const names = (await readdir(path)).sort();
  const out: string[] = [];
  for (const name of names) {
    const child = join(path, name);
    const childInfo = await stat(child);
    if (childInfo.isDirectory()) out.push(...((await listFiles(child)) ?? []));
    else if (['.json', '.ndjson'].includes(extname(name))) out.push(child);
  }
  return out;
}

async function readFhirFile(file: string): Promise<LoadInput | undefined> {
  const text = await readFile(file, 'utf8');
  if (extname(file) === '.ndjson') {
    return text
      .split('\n')
      .map((line, i) => ({ line: line.trim(), n: i + 1 }))
      .filter(({ line }) => line !== '')
      .map(({ line, n }) => parseJson(line, `${file}:${n}`) as Resource);
  }
  const value = parseJson(text, file);
  const isFhir = Array.isArray(value) || typeof (value as { resourceType?: unknown } | null)?.resourceType === 'string';
  return isFhir ? (value as LoadInput) : undefined;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new EligoError('ERR_INPUT_UNREADABLE', `${where} is not valid JSON`, { where, cause: error });
  }
}
