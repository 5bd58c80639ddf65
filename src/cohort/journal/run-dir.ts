import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createReadStream } from 'node:fs';
import { z } from 'zod';
import { EligoError } from '../../errors/eligo-error';
import { cohortDefinitionSchema } from '../definition';

/** Everything a run keeps, in one folder per run under `<data dir>/cohort-runs/`. */
export interface RunPaths {
  dir: string;
  /** The definition, fixed at creation. */
  run: string;
  /** Append-only JSONL: one line per patient screened or failed, plus attempts and the end. */
  journal: string;
  /** The selected candidate ids, one per line (snapshot sources only). */
  candidates: string;
  /** The summary, written once the run completes. */
  summary: string;
  /** Held while a process runs the run. */
  lock: string;
}

export function runsRoot(dataDir: string): string {
  return path.resolve(dataDir, 'cohort-runs');
}

export function runPaths(dataDir: string, runId: string): RunPaths {
  const dir = path.join(runsRoot(dataDir), runId);
  return {
    dir,
    run: path.join(dir, 'run.json'),
    journal: path.join(dir, 'journal.jsonl'),
    candidates: path.join(dir, 'candidates.txt'),
    summary: path.join(dir, 'summary.json'),
    lock: path.join(dir, 'lock'),
  };
}

export const storedRunSchema = z.object({
  id: z.string(),
  definition: cohortDefinitionSchema,
  /** What the candidate source selected (no patient data). */
  candidates: z.string(),
  trialVersion: z.string(),
  /** A hash of the trial definition: a run is never resumed under a changed trial. */
  trialDigest: z.string(),
  createdAt: z.string(),
  serviceVersion: z.string(),
});
export type StoredRun = z.infer<typeof storedRunSchema>;

export function readStoredRun(paths: RunPaths): StoredRun | undefined {
  if (!existsSync(paths.run)) return undefined;
  const parsed = storedRunSchema.safeParse(JSON.parse(readFileSync(paths.run, 'utf8')));
  if (!parsed.success) throw new EligoError('ERR_INPUT_INVALID', `${paths.run} is not a cohort run record`, { where: paths.run });
  return parsed.data;
}

/** Written to a temporary file, flushed, then renamed: a reader sees the old file or the whole new one. */
export function writeFileAtomic(file: string, text: string): void {
  // Run records name patients: the service's user only.
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

export function listRunIds(dataDir: string): string[] {
  const root = runsRoot(dataDir);
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(root, d.name, 'run.json')))
    .map((d) => d.name);
}

export function writeCandidateSnapshot(paths: RunPaths, ids: readonly string[]): void {
  writeFileAtomic(paths.candidates, ids.length === 0 ? '' : `${ids.join('\n')}\n`);
}

/** The kept candidate ids, streamed. */
export async function* readCandidateSnapshot(paths: RunPaths): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(paths.candidates, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of lines) if (line !== '') yield line;
}

/**
 * One process at a time per run. A lock left by a process that is gone (killed, crashed) is
 * taken over; one held by a live process on this host is ERR_WRITE_CONFLICT.
 */
export function acquireLock(paths: RunPaths): () => void {
  const mine = JSON.stringify({ pid: process.pid, host: hostname() });
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(paths.lock, mine, { flag: 'wx', mode: 0o600 });
      return () => {
        try {
          if (readFileSync(paths.lock, 'utf8') === mine) unlinkSync(paths.lock);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readLock(paths.lock);
      if (holder && holder.host === hostname() && isAlive(holder.pid)) {
        throw new EligoError('ERR_WRITE_CONFLICT', `cohort run ${path.basename(paths.dir)} is being run by process ${holder.pid}`, { where: paths.lock });
      }
      if (holder && holder.host !== hostname()) {
        // Another machine sharing the data dir: its liveness cannot be checked from here, so do not take it over.
        throw new EligoError('ERR_WRITE_CONFLICT', `cohort run ${path.basename(paths.dir)} is locked by ${holder.host}; remove ${paths.lock} if that host is gone`, {
          where: paths.lock,
        });
      }
      unlinkSync(paths.lock);
    }
  }
  throw new EligoError('ERR_WRITE_CONFLICT', `could not lock cohort run ${path.basename(paths.dir)}`, { where: paths.lock });
}

/** Whether a live process (or another host, which cannot be checked) holds the run's lock. */
export function isLockHeld(paths: RunPaths): boolean {
  if (!existsSync(paths.lock)) return false;
  const holder = readLock(paths.lock);
  if (!holder) return false;
  return holder.host !== hostname() || isAlive(holder.pid);
}

function readLock(file: string): { pid: number; host: string } | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as { pid?: unknown; host?: unknown };
    return typeof value.pid === 'number' && typeof value.host === 'string' ? { pid: value.pid, host: value.host } : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
