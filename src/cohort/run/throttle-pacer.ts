import { setTimeout as sleep } from 'node:timers/promises';
import type { PatientRecord } from '../journal/records';

export interface ThrottleEvent {
  patientId: string;
  /** 1 for the first wait for this patient. */
  attempt: number;
  /** How long the run holds off (what the server asked for, capped). */
  waitMs: number;
}

/** A server that asks for longer than this is not waited for in one go. */
const MAX_WAIT_MS = 10 * 60 * 1000;

/**
 * Paces a run to a server that throttles (429): a patient refused for rate is not a server
 * outage, so instead of failing it (and, ten in a row, the run) the run waits as long as the
 * server asked and screens it again. Every worker holds off until then, so the run slows to the
 * server's pace instead of spending the next window's quota on refusals. Uses the monotonic
 * clock: the run's own clock may be frozen (tests) or jump.
 */
export class ThrottlePacer {
  private until = 0;

  constructor(
    /** Waits per patient before its failure stands (then it counts like any ERR_FHIR_UNAVAILABLE). */
    private readonly maxWaits: number,
    private readonly onThrottle?: (event: ThrottleEvent) => void,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** Holds until the last wait a server asked for is over; false when the signal aborted meanwhile. */
  async ready(signal: AbortSignal): Promise<boolean> {
    const ms = this.until - this.clock();
    if (ms > 0) await sleep(ms, undefined, { signal }).catch(() => undefined);
    return !signal.aborted;
  }

  /**
   * `screen` until it gives a record that is not a throttled failure, or the patient has been
   * waited for `maxWaits` times. Undefined when the run was stopped during a wait: the patient
   * is then left for a resumed run, not journaled.
   */
  async screen(patientId: string, signal: AbortSignal, screen: () => Promise<PatientRecord>): Promise<PatientRecord | undefined> {
    for (let attempt = 1; ; attempt++) {
      if (!(await this.ready(signal))) return undefined;
      const record = await screen();
      if (record.type !== 'failed' || record.retryAfterMs === undefined || attempt > this.maxWaits) return record;
      const waitMs = Math.min(MAX_WAIT_MS, Math.max(record.retryAfterMs, 1));
      this.until = Math.max(this.until, this.clock() + waitMs);
      this.onThrottle?.({ patientId, attempt, waitMs });
    }
  }
}
