/** Reports and cohort journals at rest (issue 10 item 4): the service's user alone reads them. */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalWriter } from '../../src/cohort/journal/journal-file';
import { writeFileAtomic } from '../../src/cohort/journal/run-dir';
import { FileReportStore } from '../../src/report/store';
import type { EligibilityReport } from '../../src/report/types';

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('files at rest', () => {
  it('writes stored reports 0600 in a 0700 folder', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'eligo-rest-')), 'reports');
    const store = new FileReportStore(dir);
    const report = { trial: 'sle-cart', patient: 'Patient/p1', asOf: '2026-06-15', outcome: 'ineligible', criteria: [], summary: { notMet: [], unknown: [], review: [], awaitingWashout: [] }, warnings: [], generator: { name: 'eligo', version: 't' } } as EligibilityReport;
    await store.save(report);
    expect(mode(dir)).toBe(0o700);
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(mode(join(dir, files[0] as string))).toBe(0o600);
  });

  it('writes cohort journals and run records 0600 in 0700 folders', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'eligo-rest-')), 'runs', 'r1');
    writeFileAtomic(join(dir, 'candidates.txt'), 'p1\n');
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, 'candidates.txt'))).toBe(0o600);
    const journal = JournalWriter.open(join(dir, 'journal.jsonl'));
    journal.close();
    expect(mode(join(dir, 'journal.jsonl'))).toBe(0o600);
  });
});
