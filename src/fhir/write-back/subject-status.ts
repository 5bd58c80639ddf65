import type { Outcome } from '../../report/types';
import type { ResearchSubject } from '@medplum/fhirtypes';
import { EXTENSIONS } from './vocabulary';

export interface StatusDecision {
  status: ResearchSubject['status'];
  /** The status eligo has written (for the status-written extension); undefined when it never has. */
  statusWritten: string | undefined;
  /** True when a person's status is kept. */
  keptFromPerson: boolean;
}

/**
 * Whose ResearchSubject.status it is. eligo owns the status while it still equals the value it
 * last wrote (recorded in an extension); once a coordinator changes it (screening, on-study,
 * withdrawn, or even another eligibility word) it is theirs and eligo never writes it again,
 * until they put back exactly eligo's last value. A subject without the extension was not
 * written by eligo's status logic and is left alone (fail closed).
 */
export function decideStatus(existing: ResearchSubject | undefined, outcome: Outcome): StatusDecision {
  if (!existing) return { status: outcome, statusWritten: outcome, keptFromPerson: false };
  const written = existing.extension?.find((e) => e.url === EXTENSIONS.statusWritten)?.valueCode;
  if (written !== undefined && existing.status === written) return { status: outcome, statusWritten: outcome, keptFromPerson: false };
  return { status: existing.status, statusWritten: written, keptFromPerson: true };
}
