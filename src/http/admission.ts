import { EligoError } from '../errors/eligo-error';

export interface AdmissionLimits {
  /** Screenings running at once; more wait in line. */
  maxActive: number;
  /** Screenings waiting; beyond it the service is busy (503). */
  maxQueued: number;
  /** Running plus waiting screenings of one caller; beyond it that caller is throttled (429). */
  perCaller: number;
  retryAfterSeconds: number;
}

export const DEFAULT_ADMISSION: AdmissionLimits = { maxActive: 8, maxQueued: 32, perCaller: 16, retryAfterSeconds: 2 };

/**
 * Admission control for work that reads a FHIR server and runs the engine: a bounded number
 * run, a bounded line waits, and one caller cannot fill the line for everyone. Refusals are
 * immediate (never an unbounded wait) and say when to come back.
 */
export class Admission {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly perCaller = new Map<string, number>();

  constructor(private readonly limits: AdmissionLimits = DEFAULT_ADMISSION) {}

  async run<T>(caller: string, work: () => Promise<T>): Promise<T> {
    const held = this.perCaller.get(caller) ?? 0;
    if (held >= this.limits.perCaller) {
      throw new EligoError('ERR_TOO_MANY_REQUESTS', `at most ${this.limits.perCaller} screenings at once per caller; wait for yours to finish`, { retryAfterSeconds: this.limits.retryAfterSeconds });
    }
    if (this.active >= this.limits.maxActive && this.waiting.length >= this.limits.maxQueued) {
      throw new EligoError('ERR_BUSY', 'the service is screening at capacity; try again shortly', { retryAfterSeconds: this.limits.retryAfterSeconds });
    }
    this.perCaller.set(caller, held + 1);
    try {
      if (this.active >= this.limits.maxActive) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else this.active++;
      try {
        return await work();
      } finally {
        // The slot passes straight to the next in line, so `active` never dips and rises again.
        const next = this.waiting.shift();
        if (next) next();
        else this.active--;
      }
    } finally {
      const left = (this.perCaller.get(caller) ?? 1) - 1;
      if (left === 0) this.perCaller.delete(caller);
      else this.perCaller.set(caller, left);
    }
  }

  get load(): { active: number; queued: number } {
    return { active: this.active, queued: this.waiting.length };
  }
}
