import { Cron } from 'croner';
import type { Logger } from '../../log';
import { today } from '../../usecases/screen';
import { scheduledRunId } from '../run-id';
import type { CohortService } from '../service';
import type { ScheduleEntry } from './config';

export interface CohortScheduler {
  /** Each schedule with its next due time. */
  jobs(): { trial: string; cron: string; timezone?: string; nextRun: Date | null }[];
  /** Stops the timers; runs already going are left to the service (service.close() cancels them). */
  stop(): void;
}

/**
 * Runs each schedule with croner. A schedule never overlaps itself (`protect`); a run's id is
 * the trial and the minute it was due, so a run cut short by a crash is resumed at start-up by
 * service.resumeInterrupted() rather than started twice.
 */
export function startCohortScheduler(service: CohortService, schedules: readonly ScheduleEntry[], options: { log?: Logger; now?: () => Date } = {}): CohortScheduler {
  const now = options.now ?? ((): Date => new Date());
  const jobs = schedules.map(
    (entry) =>
      new Cron(
        entry.cron,
        {
          protect: true,
          ...(entry.timezone ? { timezone: entry.timezone } : {}),
          catch: (error: unknown) => {
            options.log?.error({ trial: entry.trial, err: error instanceof Error ? error.message : String(error) }, 'scheduled cohort run failed');
          },
        },
        async () => {
          const due = now();
          const asOf = today(due);
          const result = await service.run({
            trial: entry.trial,
            select: entry.select,
            asOf,
            ...(entry.leukapheresisInDays === undefined ? {} : { leukapheresisDate: addDays(asOf, entry.leukapheresisInDays) }),
            writeBack: entry.writeBack,
            writeMeasureReport: entry.writeMeasureReport,
            runId: scheduledRunId(entry.trial, due),
          });
          options.log?.info({ runId: result.progress.runId, status: result.progress.status }, 'scheduled cohort run ended');
        },
      ),
  );
  return {
    jobs: () =>
      jobs.map((job, i) => {
        const entry = schedules[i] as ScheduleEntry;
        return { trial: entry.trial, cron: entry.cron, ...(entry.timezone ? { timezone: entry.timezone } : {}), nextRun: job.nextRun() };
      }),
    stop: () => {
      for (const job of jobs) job.stop();
    },
  };
}

function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
