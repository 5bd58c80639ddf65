import { createReadStream } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Resource } from '@medplum/fhirtypes';
import { patientIdOf } from '../record/patient-link';
import { obj, str } from '../record/read';
import { bulkFileType } from './files';
import { missingPatientMessage } from './group';
import { attachMedications } from './medications';
import { PATIENT_DATA_TYPES } from './resource-types';
import type { InputFileError, PatientResources } from './types';

/**
 * Bulk Data NDJSON (one resource per line, one file per type) to per-patient groups with
 * bounded memory.
 *
 * A patient's resources are spread over every file, so nothing can be yielded before all
 * files are seen. Pass 1 streams each file once and keeps, per line, only its patient, file,
 * byte offset and length (about 20 bytes a line, in typed arrays) plus the Medication
 * catalog (Medications are shared by many patients; exports hold few). Pass 2 takes the
 * patients in order in batches whose raw JSON fits `batchBytes`, reads just their lines back
 * with positional reads (neighbouring lines coalesced into one read), parses them and yields
 * the batch. Trade-off: every kept line is parsed twice (once to learn its patient, once to
 * use it), and the index grows with the number of lines; in exchange at most one batch of
 * resources is in memory, whatever the size of the export.
 */

export interface NdjsonOptions {
  keep: ReadonlySet<string> | undefined;
  batchBytes: number;
  /** Label for `source`. */
  source: string;
}

const MAX_ERRORS_PER_FILE = 20;
const READ_CHUNK = 1 << 20;
/** Lines closer than this are read in one go rather than with a seek between them. */
const COALESCE_GAP = 64 * 1024;
const MAX_RANGE = 16 * 1024 * 1024;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

class LineTable {
  count = 0;
  patient = new Uint32Array(1 << 12);
  file = new Uint32Array(1 << 12);
  offset = new Float64Array(1 << 12);
  length = new Uint32Array(1 << 12);

  push(patient: number, file: number, offset: number, length: number): void {
    if (this.count === this.patient.length) this.grow();
    const i = this.count++;
    this.patient[i] = patient;
    this.file[i] = file;
    this.offset[i] = offset;
    this.length[i] = length;
  }

  private grow(): void {
    const size = this.patient.length * 2;
    const patient = new Uint32Array(size);
    patient.set(this.patient);
    this.patient = patient;
    const file = new Uint32Array(size);
    file.set(this.file);
    this.file = file;
    const offset = new Float64Array(size);
    offset.set(this.offset);
    this.offset = offset;
    const length = new Uint32Array(size);
    length.set(this.length);
    this.length = length;
  }
}

interface Index {
  lines: LineTable;
  patientIds: string[];
  patientIndex: Map<string, number>;
  patientBytes: number[];
  catalog: Map<string, Resource>;
}

export async function* readNdjsonPatients(files: readonly string[], options: NdjsonOptions, errors: InputFileError[]): AsyncGenerator<PatientResources> {
  const index: Index = { lines: new LineTable(), patientIds: [], patientIndex: new Map(), patientBytes: [], catalog: new Map() };
  for (let f = 0; f < files.length; f++) await indexFile(index, f, files[f] as string, options.keep, errors);
  yield* assemblePatients(index, files, options, errors);
}

async function indexFile(index: Index, fileNumber: number, file: string, keep: ReadonlySet<string> | undefined, errors: InputFileError[]): Promise<void> {
  let lineNumber = 0;
  let problems = 0;
  // A Bulk Data file holds one type and is named after it: when its first resource shows it
  // is a type nobody asked for (Claim.ndjson), the rest of the file is not read.
  const namedType = keep === undefined ? undefined : bulkFileType(file);
  let firstResource = true;
  let skipRest = false;
  const report = (message: string): void => {
    problems++;
    if (problems <= MAX_ERRORS_PER_FILE) errors.push({ file, location: `line ${lineNumber}`, message });
  };
  const handleLine = (buffer: Buffer, start: number, end: number, fileOffset: number): void => {
    lineNumber++;
    if (fileOffset === 0 && end - start >= 3 && buffer[start] === 0xef && buffer[start + 1] === 0xbb && buffer[start + 2] === 0xbf) {
      start += 3;
      fileOffset += 3;
    }
    if (end > start && buffer[end - 1] === CARRIAGE_RETURN) end--;
    let first = start;
    while (first < end && (buffer[first] === 0x20 || buffer[first] === 0x09)) first++;
    if (first === end) return;
    let resource: Record<string, unknown> | undefined;
    try {
      resource = obj(JSON.parse(buffer.toString('utf8', start, end)));
    } catch (error) {
      report(`not JSON (${error instanceof Error ? error.message : String(error)})`);
      return;
    }
    const type = str(resource?.resourceType);
    if (!resource || type === undefined) {
      report('not a FHIR resource (no resourceType)');
      return;
    }
    if (firstResource) {
      firstResource = false;
      if (namedType === type && keep !== undefined && !keep.has(type)) skipRest = true;
    }
    if (keep !== undefined && !keep.has(type)) return;
    const id = str(resource.id);
    if (type === 'Medication') {
      if (id !== undefined) index.catalog.set(`Medication/${id}`, resource as unknown as Resource);
      return;
    }
    const patientId = type === 'Patient' ? id : patientIdOf(resource);
    if (patientId === undefined) {
      if (type === 'Patient' || PATIENT_DATA_TYPES.has(type)) report(missingPatientMessage(type, resource));
      return;
    }
    let patient = index.patientIndex.get(patientId);
    if (patient === undefined) {
      patient = index.patientIds.length;
      index.patientIndex.set(patientId, patient);
      index.patientIds.push(patientId);
      index.patientBytes.push(0);
    }
    index.patientBytes[patient] = (index.patientBytes[patient] as number) + (end - start);
    index.lines.push(patient, fileNumber, fileOffset, end - start);
  };

  try {
    let carry: Buffer | undefined;
    let carryOffset = 0;
    let position = 0;
    for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>) {
      const buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      const bufferOffset = carry ? carryOffset : position;
      position += chunk.length;
      let start = 0;
      let newline = buffer.indexOf(NEWLINE, start);
      while (newline !== -1 && !skipRest) {
        handleLine(buffer, start, newline, bufferOffset + start);
        start = newline + 1;
        newline = buffer.indexOf(NEWLINE, start);
      }
      if (skipRest) return;
      carry = start < buffer.length ? buffer.subarray(start) : undefined;
      carryOffset = bufferOffset + start;
    }
    if (carry) handleLine(carry, 0, carry.length, carryOffset);
  } catch (error) {
    errors.push({ file, message: `could not be read (${describeIoError(error)})` });
  }
  if (problems > MAX_ERRORS_PER_FILE) errors.push({ file, message: `${problems - MAX_ERRORS_PER_FILE} more lines could not be read` });
}

async function* assemblePatients(index: Index, files: readonly string[], options: NdjsonOptions, errors: InputFileError[]): AsyncGenerator<PatientResources> {
  const { lines, patientIds, patientBytes } = index;
  const patientCount = patientIds.length;
  // Lines grouped by patient (counting sort keeps file order within a patient).
  const starts = new Uint32Array(patientCount + 1);
  for (let l = 0; l < lines.count; l++) {
    const slot = (lines.patient[l] as number) + 1;
    starts[slot] = (starts[slot] as number) + 1;
  }
  for (let p = 0; p < patientCount; p++) starts[p + 1] = (starts[p + 1] as number) + (starts[p] as number);
  const order = new Uint32Array(lines.count);
  const fill = starts.slice(0, patientCount);
  for (let l = 0; l < lines.count; l++) {
    const p = lines.patient[l] as number;
    const at = fill[p] as number;
    order[at] = l;
    fill[p] = at + 1;
  }

  const handles = new Map<number, FileHandle>();
  try {
    let first = 0;
    while (first < patientCount) {
      let end = first + 1;
      let bytes = patientBytes[first] as number;
      while (end < patientCount && bytes + (patientBytes[end] as number) <= options.batchBytes) {
        bytes += patientBytes[end] as number;
        end++;
      }
      // Line numbers grow with (file, offset), so sorting them orders the reads.
      const batchLines = order.slice(starts[first], starts[end]).sort();
      const buckets: Resource[][] = [];
      for (let p = first; p < end; p++) buckets.push([]);
      await readLines(batchLines, lines, files, handles, errors, (line, resource) => {
        (buckets[(lines.patient[line] as number) - first] as Resource[]).push(resource);
      });
      for (let p = first; p < end; p++) {
        const resources = buckets[p - first] as Resource[];
        buckets[p - first] = [];
        attachMedications(resources, index.catalog);
        yield { patientId: patientIds[p] as string, resources, source: options.source };
      }
      first = end;
    }
  } finally {
    for (const handle of handles.values()) await handle.close().catch(() => undefined);
  }
}

async function readLines(
  batchLines: Uint32Array,
  lines: LineTable,
  files: readonly string[],
  handles: Map<number, FileHandle>,
  errors: InputFileError[],
  take: (line: number, resource: Resource) => void,
): Promise<void> {
  let i = 0;
  while (i < batchLines.length) {
    const firstLine = batchLines[i] as number;
    const file = lines.file[firstLine] as number;
    const rangeStart = lines.offset[firstLine] as number;
    let rangeEnd = rangeStart + (lines.length[firstLine] as number);
    let j = i + 1;
    while (j < batchLines.length) {
      const next = batchLines[j] as number;
      const nextStart = lines.offset[next] as number;
      const nextEnd = nextStart + (lines.length[next] as number);
      if (lines.file[next] !== file || nextStart - rangeEnd > COALESCE_GAP || nextEnd - rangeStart > MAX_RANGE) break;
      rangeEnd = nextEnd;
      j++;
    }
    const path = files[file] as string;
    try {
      let handle = handles.get(file);
      if (!handle) handles.set(file, (handle = await open(path, 'r')));
      const buffer = Buffer.allocUnsafe(rangeEnd - rangeStart);
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, rangeStart + filled);
        if (bytesRead === 0) throw new Error('the file became shorter while it was being read');
        filled += bytesRead;
      }
      for (let k = i; k < j; k++) {
        const line = batchLines[k] as number;
        const from = (lines.offset[line] as number) - rangeStart;
        try {
          take(line, JSON.parse(buffer.toString('utf8', from, from + (lines.length[line] as number))) as Resource);
        } catch {
          errors.push({ file: path, location: `byte ${lines.offset[line]}`, message: 'changed while it was being read; line skipped' });
        }
      }
    } catch (error) {
      errors.push({ file: path, message: `could not be read again (${describeIoError(error)})` });
    }
    i = j;
  }
}

export function describeIoError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.message : String(error);
}
