import { list, obj, str } from '../record/read';
import type { DataGap, DataKind } from '../record/types';
import { SCREENING_RESOURCE_TYPES } from './resource-types';

/**
 * An OperationOutcome where search results were expected (in place of, or beside, a
 * searchset's entries): the server says it did not give everything, so the kind of data it
 * searched is incomplete (CONVENTIONS.md "Real EHR data"). An outcome that only informs
 * (every issue severity "information") takes nothing away.
 */
export function gapOfOutcome(kind: DataKind, outcome: unknown, where: string): DataGap | undefined {
  const issues = list(obj(outcome)?.issue).map(obj);
  if (issues.length > 0 && issues.every((i) => i?.severity === 'information')) return undefined;
  const text = issues
    .map((i) => str(obj(i?.details)?.text) ?? str(i?.diagnostics) ?? str(i?.code))
    .filter((t): t is string => t !== undefined)
    .join('; ');
  const what = kind === 'any' ? 'some data' : `${kind} data`;
  return { kind, severity: 'unread', where, reason: `${what} may be incomplete: the server reported "${text || 'an OperationOutcome without text'}" (${where})` };
}

const SCREENED_TYPES: ReadonlySet<string> = new Set(SCREENING_RESOURCE_TYPES);

/** The screened resource type a search URL or searchset self link is about ("Observation?patient=1" -> Observation). */
export function searchedKind(url: string | undefined): DataKind {
  if (url === undefined) return 'any';
  const path = url.split('?')[0] ?? '';
  const type = path.slice(path.lastIndexOf('/') + 1);
  return SCREENED_TYPES.has(type) ? (type as DataKind) : 'any';
}
