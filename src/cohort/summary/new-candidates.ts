import { readJournal } from '../journal/journal-file';
import type { NewCandidate } from './types';

/**
 * Candidates now (eligible or potential-candidate) who were not candidates in the previous
 * run: absent from its journal, or there as ineligible or failed. Two streamed passes; memory
 * holds only the current candidates, not the cohort.
 */
export async function newCandidatesSince(currentJournal: string, previousJournal: string): Promise<NewCandidate[]> {
  const current = new Map<string, NewCandidate>();
  for await (const record of readJournal(currentJournal)) {
    if (record.type !== 'screened' || record.outcome === 'ineligible') continue;
    current.set(record.patientId, { patientId: record.patientId, outcome: record.outcome, previously: 'absent' });
  }
  for await (const record of readJournal(previousJournal)) {
    if (record.type !== 'screened' && record.type !== 'failed') continue;
    const now = current.get(record.patientId);
    if (!now) continue;
    if (record.type === 'failed') now.previously = 'failed';
    else if (record.outcome === 'ineligible') now.previously = 'ineligible';
    else current.delete(record.patientId);
  }
  return [...current.values()];
}
