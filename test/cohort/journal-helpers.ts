import { readFileSync } from 'node:fs';
import { runPaths, type JournalRecord } from '../../src/cohort';

/** The journal's lines as written, parsed (a test reads the file itself, not through the reader under test). */
export function journalLines(dataDir: string, runId: string): JournalRecord[] {
  return readFileSync(runPaths(dataDir, runId).journal, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as JournalRecord);
}

export function patientLines(dataDir: string, runId: string): Extract<JournalRecord, { type: 'screened' | 'failed' }>[] {
  return journalLines(dataDir, runId).filter((r): r is Extract<JournalRecord, { type: 'screened' | 'failed' }> => r.type === 'screened' || r.type === 'failed');
}

/** How many times each patient id appears. */
export function occurrences(records: readonly { patientId: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.patientId, (counts.get(r.patientId) ?? 0) + 1);
  return counts;
}
