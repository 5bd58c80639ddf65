import { EligoError } from '../errors/eligo-error';
import type { Condition, Group } from '@medplum/fhirtypes';
import type { ServerCapabilities } from './capabilities';
import { mapLimit } from './concurrency';
import type { FhirHttp } from './http/fhir-http';
import { httpError } from './http/fhir-http';
import { displayBaseUrl } from './http/describe-request';
import { searchEntries } from './paging';
import { readMany } from './read-many';

export interface CodeQuery {
  system: string;
  code: string;
  /** `code:below`: the code and everything under it (servers need the hierarchy; the embedded one knows ICD and ATC). */
  below?: boolean;
}

/** Patients to screen: those with a Condition coded with any of `conditionCodes`, or the members of a Group. */
export type PatientIdQuery = { conditionCodes: readonly CodeQuery[] } | { group: string };

const CODES_PER_SEARCH = 40;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Distinct patient ids for a cohort run, in the order the server returned them. Condition
 * searches follow every page; a Condition's verification status is not judged here (the
 * screening does that), so the list is a superset of the patients who truly have the diagnosis.
 */
export async function searchPatientIds(
  http: FhirHttp,
  capabilities: ServerCapabilities,
  query: PatientIdQuery,
  settings: { pageSize: number; concurrency: number },
): Promise<string[]> {
  if ('group' in query) return groupMembers(http, query.group, new Set());
  const urls = conditionSearchUrls(query.conditionCodes, settings.pageSize);
  const reads = await readMany(http, capabilities, urls, settings.concurrency);
  const pages = await mapLimit(reads, settings.concurrency, (read) => searchEntries(http, read));
  const ids = new Set<string>();
  for (const entries of pages) {
    for (const entry of entries) {
      const condition = entry.resource as Condition | undefined;
      if (condition?.resourceType !== 'Condition') continue;
      const id = patientIdOf(condition.subject?.reference);
      if (id) ids.add(id);
    }
  }
  return [...ids];
}

function conditionSearchUrls(codes: readonly CodeQuery[], pageSize: number): string[] {
  const token = (c: CodeQuery): string => encodeURIComponent(`${c.system}|${c.code}`);
  const exact = codes.filter((c) => !c.below);
  const urls: string[] = [];
  for (let i = 0; i < exact.length; i += CODES_PER_SEARCH) {
    urls.push(`Condition?code=${exact.slice(i, i + CODES_PER_SEARCH).map(token).join(',')}&_count=${pageSize}`);
  }
  for (const code of codes.filter((c) => c.below)) urls.push(`Condition?code:below=${token(code)}&_count=${pageSize}`);
  return urls;
}

function patientIdOf(reference: string | undefined): string | undefined {
  const match = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference ?? '');
  return match?.[1];
}

/** Active Patient members of a Group; member Groups are followed (once each). */
async function groupMembers(http: FhirHttp, groupId: string, visited: Set<string>): Promise<string[]> {
  if (!ID.test(groupId)) throw new EligoError('ERR_ARGUMENT_INVALID', 'a Group id is 1-64 letters, digits, "-" or "."', { where: 'group' });
  visited.add(groupId);
  const request = { method: 'GET', url: `Group/${groupId}`, idempotent: true } as const;
  const response = await http.send(request);
  if (response.status === 404 || response.status === 410) {
    throw new EligoError('ERR_NOT_FOUND', `Group/${groupId} is not on FHIR server ${displayBaseUrl(http.baseUrl)}`, { where: displayBaseUrl(http.baseUrl) });
  }
  if (response.status < 200 || response.status >= 300) throw httpError(http, request, response);
  const group = response.body as Group;
  const ids = new Set<string>();
  for (const member of group.member ?? []) {
    if (member.inactive) continue;
    const reference = member.entity.reference ?? '';
    const patientId = patientIdOf(reference);
    if (patientId) {
      ids.add(patientId);
      continue;
    }
    const nested = /(?:^|\/)Group\/([A-Za-z0-9\-.]{1,64})$/.exec(reference)?.[1];
    if (nested && !visited.has(nested)) for (const id of await groupMembers(http, nested, visited)) ids.add(id);
  }
  return [...ids];
}
