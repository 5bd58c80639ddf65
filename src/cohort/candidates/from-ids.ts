import type { CohortInput } from '../types';

/** Ids as candidates to fetch one by one, each once, in the order given. */
export async function* candidatesFromIds(ids: Iterable<string>): CohortInput {
  const seen = new Set<string>();
  for (const patientId of ids) {
    if (seen.has(patientId)) continue;
    seen.add(patientId);
    yield { patientId };
  }
}

/** The distinct ids, first occurrence first. */
export function distinct(ids: Iterable<string>): string[] {
  return [...new Set(ids)];
}
