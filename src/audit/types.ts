import type { Action } from '../access/decide';
import type { AuditAgent } from '../access/principal';

/**
 * One line of the audit trail: who did what to which patient or run, when, through which
 * route, and how it ended. Never names, birth dates or identifiers: the patient is its FHIR id.
 */
export interface AuditRecord {
  /** ISO instant the request ended. */
  time: string;
  agent: AuditAgent;
  /** What the route does; absent when the caller was refused before a route was chosen. */
  action?: Action;
  method: string;
  /** The route's pattern when one matched (`/api/trials/:trialId/screen`), else the path asked for. */
  route: string;
  trial?: string;
  /** `Patient/<id>`. */
  patient?: string;
  run?: string;
  status: number;
  outcome: 'success' | 'denied' | 'failed';
  /** Why it was denied, in the words the caller got. */
  reason?: string;
}

/** Where audit records go. `record` never throws and never delays the answer. */
export interface AuditLog {
  record(entry: AuditRecord): void;
  /** Resolves when everything recorded so far is written (tests, shutdown). */
  flush(): Promise<void>;
}

export function outcomeOfStatus(status: number): AuditRecord['outcome'] {
  if (status === 401 || status === 403) return 'denied';
  return status < 400 ? 'success' : 'failed';
}
