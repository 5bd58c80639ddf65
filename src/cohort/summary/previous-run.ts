import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { Selection } from '../definition';
import { listRunIds, readStoredRun, runPaths, type RunPaths } from '../journal/run-dir';

/**
 * The latest completed run of the same trial over the same selection, completed before
 * `before` and other than `runId`: what "new since the last run" compares with. A different
 * selection (a Group against a diagnosis search) would make every patient look new.
 */
export function previousCompletedRun(dataDir: string, runId: string, trial: string, select: Selection, before: string): { runId: string; paths: RunPaths } | undefined {
  let best: { runId: string; paths: RunPaths; completedAt: string } | undefined;
  for (const id of listRunIds(dataDir)) {
    if (id === runId) continue;
    const paths = runPaths(dataDir, id);
    let stored;
    try {
      stored = readStoredRun(paths);
    } catch {
      continue; // An unreadable run folder is not a run to compare with.
    }
    if (!stored || stored.definition.trial !== trial || !isDeepStrictEqual(stored.definition.select, select)) continue;
    const completedAt = completedAtOf(paths);
    if (!completedAt || completedAt > before) continue;
    if (!best || completedAt > best.completedAt) best = { runId: id, paths, completedAt };
  }
  return best && { runId: best.runId, paths: best.paths };
}

function completedAtOf(paths: RunPaths): string | undefined {
  if (!existsSync(paths.summary)) return undefined;
  try {
    const summary = JSON.parse(readFileSync(paths.summary, 'utf8')) as { status?: unknown; completedAt?: unknown };
    return summary.status === 'completed' && typeof summary.completedAt === 'string' ? summary.completedAt : undefined;
  } catch {
    return undefined;
  }
}
