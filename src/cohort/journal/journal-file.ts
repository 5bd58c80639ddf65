import { closeSync, createReadStream, existsSync, fdatasyncSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { EligoError } from '../../errors/eligo-error';
import { journalRecordSchema, type JournalRecord } from './records';

/**
 * The append side of a journal. Each record is one `write` of a whole line followed by
 * fdatasync, before the runner moves on: a record that was acknowledged survives a killed
 * process and a power cut. A crash in the middle of a write leaves at most a torn last line,
 * which `open` cuts off (that patient is screened again).
 */
export class JournalWriter {
  private constructor(private fd: number | undefined) {}

  static open(file: string): JournalWriter {
    const fd = openSync(file, 'a+', 0o600);
    cutTornTail(fd);
    return new JournalWriter(fd);
  }

  append(record: JournalRecord): void {
    if (this.fd === undefined) throw new EligoError('ERR_INTERNAL', 'the journal is closed');
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Truncates a last line that has no newline (a write cut short); returns the bytes dropped. */
function cutTornTail(fd: number): number {
  const size = fstatSync(fd).size;
  if (size === 0) return 0;
  const chunk = Buffer.alloc(64 * 1024);
  let end = size;
  while (end > 0) {
    const start = Math.max(0, end - chunk.length);
    const length = end - start;
    readSync(fd, chunk, 0, length, start);
    if (end === size && chunk[length - 1] === 0x0a) return 0;
    const lastNewline = chunk.subarray(0, length).lastIndexOf(0x0a);
    if (lastNewline >= 0) {
      const keep = start + lastNewline + 1;
      ftruncateSync(fd, keep);
      return size - keep;
    }
    end = start;
  }
  ftruncateSync(fd, 0);
  return size;
}

/**
 * The journal's records in order, streamed (memory does not grow with the run). A torn last
 * line is skipped (the writer cuts it on open); any other unreadable line is an error naming
 * the line, since guessing would lose or double a patient.
 */
export async function* readJournal(file: string): AsyncGenerator<JournalRecord> {
  if (!existsSync(file)) return;
  const lines = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let pending: { text: string; n: number } | undefined;
  let n = 0;
  for await (const text of lines) {
    n += 1;
    if (pending) yield parseLine(file, pending.text, pending.n);
    pending = text.trim() === '' ? undefined : { text, n };
  }
  if (pending) {
    const last = tryParse(pending.text);
    // The last line may be a write cut short by a crash: no newline, so not acknowledged.
    if (last) yield last;
  }
}

function parseLine(file: string, text: string, n: number): JournalRecord {
  const record = tryParse(text);
  if (!record) throw new EligoError('ERR_INPUT_INVALID', `cohort journal ${file} line ${n} is not a journal record`, { where: `${file}:${n}` });
  return record;
}

function tryParse(text: string): JournalRecord | undefined {
  try {
    const parsed = journalRecordSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
