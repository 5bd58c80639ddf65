import { Presets, SingleBar } from 'cli-progress';
import type { CliIo } from '../../cli/io';
import type { CohortProgress } from '../run/run-cohort';

export interface ProgressView {
  update(progress: CohortProgress): void;
  stop(): void;
}

/**
 * A progress bar on a terminal (stderr), nothing otherwise: piped output and logs stay clean.
 * The bar writes through the CLI's io, so tests and embedding callers capture it too.
 */
export function cohortProgressBar(io: CliIo): ProgressView {
  if (!io.errIsTty) return { update: () => undefined, stop: () => undefined };
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
