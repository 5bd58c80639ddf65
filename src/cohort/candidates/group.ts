import type { FhirSource } from '../../fhir';
import type { CandidateSource } from '../types';
import { candidatesFromIds } from './from-ids';

/** The active members of a Group on the server (nested Groups followed by the FHIR client). */
export function groupSource(fhir: FhirSource, groupId: string): CandidateSource {
  return {
    replay: 'snapshot',
    description: `members of Group/${groupId}`,
    open: async () => {
      const ids = await fhir.searchPatientIds({ group: groupId });
      return { total: ids.length, candidates: candidatesFromIds(ids) };
    },
  };
}
