import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { EligibilityReport } from './types';

/** Where past reports are kept for "read a past report"; the FHIR server holds the written-back copy. */
export interface ReportStore {
  save(report: EligibilityReport): Promise<void>;
  get(trialId: string, patientReference: string): Promise<EligibilityReport | undefined>;
}

export class MemoryReportStore implements ReportStore {
  private readonly reports = new Map<string, EligibilityReport>();

  save(report: EligibilityReport): Promise<void> {
    this.reports.set(`${report.trial}|${report.patient}`, report);
    return Promise.resolve();
  }

  get(trialId: string, patientReference: string): Promise<EligibilityReport | undefined> {
    return Promise.resolve(this.reports.get(`${trialId}|${patientReference}`));
  }
}

/**
 * One JSON file per (trial, patient), named by a hash so no patient id appears in a file
 * name; written to a temporary file then renamed, so a crash never leaves half a report.
 */
export class FileReportStore implements ReportStore {
  constructor(private readonly dir: string) {
    // Reports name patients' findings: readable by the service's user only.
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  private fileFor(trialId: string, patientReference: string): string {
    const key = createHash('sha256').update(`${trialId}|${patientReference}`).digest('hex').slice(0, 32);
    return path.join(this.dir, `${trialId}-${key}.json`);
  }

  save(report: EligibilityReport): Promise<void> {
    const file = this.fileFor(report.trial, report.patient);
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(report), { mode: 0o600 });
    renameSync(tmp, file);
    return Promise.resolve();
  }

  get(trialId: string, patientReference: string): Promise<EligibilityReport | undefined> {
    const file = this.fileFor(trialId, patientReference);
    if (!existsSync(file)) return Promise.resolve(undefined);
    return Promise.resolve(JSON.parse(readFileSync(file, 'utf8')) as EligibilityReport);
  }
}
