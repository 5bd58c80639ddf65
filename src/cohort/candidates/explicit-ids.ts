import type { CandidateSource } from '../types';
import { candidatesFromIds, distinct } from './from-ids';

/** An explicit list of patient ids (already checked as FHIR ids by the definition schema). */
export function explicitIdsSource(patientIds: readonly string[]): CandidateSource {
  const ids = distinct(patientIds);
  return {
    replay: 'snapshot',
    description: `${ids.length} listed patient${ids.length === 1 ? '' : 's'}`,
    open: () => Promise.resolve({ total: ids.length, candidates: candidatesFromIds(ids) }),
  };
}
