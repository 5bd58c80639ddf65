import type { PatientRecord } from '../journal/records';

/**
 * Tells a server outage from a patient the server cannot serve. ERR_FHIR_UNAVAILABLE failures
 * (the client already retried) are held back: the next success journals them as failed (the
 * server was up, so those patients truly failed). When `threshold` of them come in a row the
 * guard trips: the held ones are dropped, not journaled, so resuming the run after the outage
 * screens them instead of listing the whole remaining cohort as failed.
 *
 * A server that throttles (429) is up, just busy: such failures reach the guard only after the
 * run has waited as long as the server asked, several times over (ThrottlePacer), so a rate
 * limit slows the run down rather than stopping it.
 */
export class UnavailableGuard {
  private held: PatientRecord[] = [];
  private trippedFlag = false;

  constructor(private readonly threshold: number) {}

  get tripped(): boolean {
    return this.trippedFlag;
  }

  /** The records to journal now, in order. */
  accept(record: PatientRecord): PatientRecord[] {
    if (record.type === 'failed' && record.code === 'ERR_FHIR_UNAVAILABLE') {
      if (this.trippedFlag) return [];
      this.held.push(record);
      if (this.held.length >= this.threshold) {
        this.trippedFlag = true;
        this.held = [];
      }
      return [];
    }
    const out = [...this.held, record];
    this.held = [];
    return out;
  }

  /** At the end of a run that was not cut short: the held failures are real failures. */
  flush(): PatientRecord[] {
    const out = this.held;
    this.held = [];
    return out;
  }

  /** A cancelled run drops them: the patients are screened when the run resumes. */
  drop(): void {
    this.held = [];
  }
}
