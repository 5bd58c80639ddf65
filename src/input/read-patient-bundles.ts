import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { resourcesOfBundle } from './bundle-resources';
import { findInputFiles } from './files';
import type { DataGap } from '../record/types';
import { groupResources, withGaps } from './group';
import { describeIoError, readNdjsonPatients } from './ndjson';
import { typeFilter } from './resource-types';
import type { InputFileError, PatientResources, ReadOptions } from './types';

const DEFAULT_BATCH_BYTES = 64 * 1024 * 1024;

/** Patients as they are read, and the problems met so far (complete once iteration ends). */
export interface PatientReader extends AsyncIterable<PatientResources> {
  readonly errors: readonly InputFileError[];
}

/**
 * Reads FHIR input — Bundle files (collection, searchset, transaction, batch), folders of
 * them, Bulk Data NDJSON files or folders, or a mix — and yields one group per patient.
 *
 * Bundle files are parsed one at a time and grouped within the file (a Bundle may hold several
 * patients). NDJSON files are grouped across all of them together (see ndjson.ts for the
 * bounded-memory scheme). A patient found in more than one Bundle file is yielded once per
 * file and reported in `errors`, since each group then holds only part of the record.
 *
 * Files that are not JSON, not FHIR or unreadable are reported in `errors` with their name and
 * skipped; a top-level path that does not exist throws EligoError ERR_INPUT_UNREADABLE when
 * iteration starts.
 */
export function readPatientBundles(pathOrPaths: string | readonly string[], options: ReadOptions = {}): PatientReader {
  const paths = typeof pathOrPaths === 'string' ? [pathOrPaths] : [...pathOrPaths];
  const errors: InputFileError[] = [];
  return {
    errors,
    [Symbol.asyncIterator]: () => {
      errors.length = 0;
      return readAll(paths, options, errors);
    },
  };
}

async function* readAll(paths: readonly string[], options: ReadOptions, errors: InputFileError[]): AsyncGenerator<PatientResources> {
  const keep = typeFilter(options.resourceTypes);
  const files = await findInputFiles(paths, errors);
  const firstSeenIn = new Map<string, string>();
  const noteSeen = (group: PatientResources): void => {
    const earlier = firstSeenIn.get(group.patientId);
    if (earlier === undefined) firstSeenIn.set(group.patientId, group.source);
    else {
      errors.push({
        file: group.source,
        message: `Patient/${group.patientId} was also read from ${earlier}; each file's part of the record is yielded separately`,
      });
    }
  };

  for (const file of files.bundles) {
    for (const group of readBundleFile(file, keep, errors)) {
      noteSeen(group);
      yield group;
    }
  }

  const ndjson = files.ndjson;
  if (ndjson.length > 0) {
    const source = ndjsonSource(ndjson);
    const batchBytes = options.batchBytes !== undefined && options.batchBytes > 0 ? options.batchBytes : DEFAULT_BATCH_BYTES;
    for await (const group of readNdjsonPatients(ndjson, { keep, batchBytes, source }, errors)) {
      noteSeen(group);
      yield group;
    }
  }
}

function readBundleFile(file: string, keep: ReadonlySet<string> | undefined, errors: InputFileError[]): PatientResources[] {
  let bytes: Buffer;
  try {
    // Read at once, as bytes decoded at once. The parse that follows holds the event loop for
    // longer than the read, so a read in the background would buy nothing; it would cost four
    // trips through the I/O threads per file (open, stat, read, close), which on a folder of
    // small patient files took longer than parsing them. An encoding would decode a large file
    // chunk by chunk through a stream decoder, a sixth of the parse again.
    bytes = readFileSync(file);
  } catch (error) {
    errors.push({ file, message: `could not be read (${describeIoError(error)})` });
    return [];
  }
  let parsed: unknown;
  try {
    // A byte order mark (EF BB BF, U+FEFF once decoded) is not part of the JSON.
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    parsed = JSON.parse(bytes.toString('utf8', bom ? 3 : 0));
  } catch (error) {
    errors.push({ file, message: `not JSON (${error instanceof Error ? error.message : String(error)})` });
    return [];
  }
  const gaps: DataGap[] = [];
  const resources = resourcesOfBundle(parsed, file, errors, keep, gaps);
  return resources ? withGaps(groupResources(resources, file, errors), gaps) : [];
}

function ndjsonSource(files: readonly string[]): string {
  const folders = new Set(files.map((f) => dirname(f)));
  return folders.size === 1 && files.length > 1 ? `${[...folders][0] as string} (NDJSON)` : files.join(', ');
}
