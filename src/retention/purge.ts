import { existsSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';

export interface PurgeRequest {
  dataDir: string;
  /** Stored reports and finished cohort runs last changed before this many days ago are removed. */
  olderThanDays: number;
  /** Audit days older than this are removed; absent: the audit trail is kept whole. */
  auditOlderThanDays?: number;
  now: Date;
  /** Count what would go, remove nothing. */
  dryRun?: boolean;
}

export interface PurgeResult {
  reports: number;
  cohortRuns: number;
  auditDays: number;
  /** Runs left alone because a process holds them (their lock file exists). */
  runsInUse: string[];
}

const DAY_MS = 86_400_000;

/**
 * Retention for what eligo keeps under ELIGO_DATA_DIR (README "Data kept, and for how long"):
 * stored reports by their last write, cohort runs by their last journal line (a run a process
 * holds is never touched), and — only when asked — whole audit days, so the audit trail stays
 * append-only within a day. The FHIR server's written-back copies are the server's to keep.
 */
export function purgeDataDir(request: PurgeRequest): PurgeResult {
  const cutoff = request.now.getTime() - request.olderThanDays * DAY_MS;
  const remove = (target: string): void => {
    if (!request.dryRun) rmSync(target, { recursive: true, force: true });
  };
  const result: PurgeResult = { reports: 0, cohortRuns: 0, auditDays: 0, runsInUse: [] };

  for (const file of entries(path.join(request.dataDir, 'reports'))) {
    if (!file.endsWith('.json')) continue;
    const full = path.join(request.dataDir, 'reports', file);
    if (statSync(full).mtimeMs < cutoff) {
      remove(full);
      result.reports++;
    }
  }

  const runs = path.join(request.dataDir, 'cohort-runs');
  for (const runId of entries(runs)) {
    const dir = path.join(runs, runId);
    if (!statSync(dir).isDirectory()) continue;
    if (existsSync(path.join(dir, 'lock'))) {
      result.runsInUse.push(runId);
      continue;
    }
    if (lastChange(dir) < cutoff) {
      remove(dir);
      result.cohortRuns++;
    }
  }

  if (request.auditOlderThanDays !== undefined) {
    const firstKept = new Date(request.now.getTime() - request.auditOlderThanDays * DAY_MS).toISOString().slice(0, 10);
    const audit = path.join(request.dataDir, 'audit');
    for (const file of entries(audit)) {
      const day = /^(\d{4}-\d{2}-\d{2})\.jsonl$/.exec(file)?.[1];
      if (day && day < firstKept) {
        if (!request.dryRun) unlinkSync(path.join(audit, file));
        result.auditDays++;
      }
    }
  }
  return result;
}

function entries(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** The newest modification of anything in a run's folder. */
function lastChange(dir: string): number {
  return Math.max(statSync(dir).mtimeMs, ...readdirSync(dir).map((f) => statSync(path.join(dir, f)).mtimeMs));
}
