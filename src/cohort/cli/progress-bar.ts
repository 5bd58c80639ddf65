import { Presets, SingleBar } from 'cli-progress';
import type { CliIo } from '../../cli/io';
import type { CohortProgress } from '../run/run-cohort';

export interface ProgressView {
  update(progress: CohortProgress): void;
  stop(): void;
}

/** Between two progress lines when stderr is not a terminal (cron, CI, a log file). */
const LINE_INTERVAL_MS = 30_000;

/**
 * A progress bar on a terminal (stderr); elsewhere a plain line when the status changes and at
 * most every 30 s while it runs, so a scheduled or piped run still shows it is moving. stdout
 * stays the summary only. Writes through the CLI's io, so tests and embedding callers capture it.
 */
export function cohortProgressBar(io: CliIo): ProgressView {
  if (!io.errIsTty) return progressLines(io);
  const stream = {
    isTTY: true,
    columns: process.stderr.columns,
    write: (chunk: string, callback?: () => void): boolean => {
      io.err(chunk);
      callback?.();
      return true;
    },
  };
  const bar = new SingleBar(
    {
      stream: stream as unknown as NodeJS.WritableStream,
      format: '{trial} |{bar}| {value}/{total} · eligible {eligible} · potential {potential} · failed {failed} · {status}',
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update: (p) => {
      const done = p.screened + p.failed;
      const total = Math.max(p.total ?? done, done);
      const payload = { trial: p.trial, eligible: p.byOutcome.eligible, potential: p.byOutcome['potential-candidate'], failed: p.failed, status: p.status };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, payload);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function progressLines(io: CliIo): ProgressView {
  let lastStatus = '';
  let lastAt = 0;
  return {
    update: (p) => {
      const at = Date.now();
      if (p.status === lastStatus && at - lastAt < LINE_INTERVAL_MS) return;
      lastStatus = p.status;
      lastAt = at;
      const done = p.screened + p.failed;
      io.err(`eligo: cohort ${p.runId} ${p.status}: ${done}${p.total === undefined ? '' : `/${p.total}`} done, eligible ${p.byOutcome.eligible}, potential ${p.byOutcome['potential-candidate']}, failed ${p.failed}\n`);
    },
    stop: () => undefined,
  };
}
