import type { Resource } from '@medplum/fhirtypes';
import { z } from 'zod';
import { EligoError } from '../errors/eligo-error';
import { createFhirSource } from '../fhir/source';
import { groupResourcesByPatient, SCREENING_RESOURCE_TYPES } from '../input';
import { fhirId } from '../smart/session';
import type { CdsIssuer } from './config';
import { PREFETCH } from './discovery';
import { gapOfOutcome, searchedKind } from '../input/outcome-gaps';
import type { DataGap } from '../record/types';

export const hookRequestSchema = z.looseObject({
  hook: z.literal('patient-view'),
  hookInstance: z.string().min(1).max(200),
  fhirServer: z.url({ protocol: /^https?$/ }).optional(),
  fhirAuthorization: z
    .looseObject({ access_token: z.string().min(1), token_type: z.string(), expires_in: z.number().optional(), scope: z.string().optional(), subject: z.string().optional() })
    .optional(),
  context: z.looseObject({ userId: z.string().optional(), patientId: fhirId, encounterId: z.string().optional() }),
  prefetch: z.record(z.string(), z.unknown()).optional(),
});
export type HookRequest = z.infer<typeof hookRequestSchema>;

/** No prefetch and no way to fetch: the CDS Hooks answer is 412 (Precondition Failed). */
export class PatientDataUnavailable extends EligoError {
  constructor(message: string) {
    super('ERR_INPUT_INVALID', message, { where: 'prefetch' });
  }
}

export interface PatientData {
  resources: Resource[];
  /** "prefetch" or the FHIR server read. */
  from: 'prefetch' | 'fhirServer';
  /** Entries set aside (OperationOutcome entries, other patients' resources). */
  skipped: number;
  /** What could not be had, for the report's warnings. */
  warnings: { where: string; message: string }[];
  /** What could not be had, per data kind: criteria that depend on it are not decided by its absence. */
  gaps: DataGap[];
  linkedPatientsRead?: string[];
}

/**
 * The patient's resources: from prefetch when every key is there and complete; else read from
 * fhirServer with fhirAuthorization, but only from a server configured for the calling EHR
 * (so a caller cannot point eligo, and its token, at any URL). A partial prefetch is never
 * screened as if it were the whole record: that would turn missing data into a card.
 */
export async function patientData(request: HookRequest, issuer: CdsIssuer): Promise<PatientData> {
  const fromPrefetch = request.prefetch ? readPrefetch(request.prefetch, request.context.patientId) : undefined;
  if (fromPrefetch) return fromPrefetch;
  if (!request.fhirServer || !request.fhirAuthorization) {
    throw new PatientDataUnavailable('the prefetch is missing or incomplete and no fhirServer with fhirAuthorization was given');
  }
  const server = request.fhirServer.replace(/\/+$/, '');
  if (!issuer.fhirServers.includes(server)) {
    throw new PatientDataUnavailable('the prefetch is incomplete and fhirServer is not a server configured for this CDS client');
  }
  if (request.fhirAuthorization.token_type.toLowerCase() !== 'bearer') throw new PatientDataUnavailable('fhirAuthorization is not a Bearer token');
  const source = createFhirSource({ baseUrl: server, bearerToken: request.fhirAuthorization.access_token, timeoutMs: 8000, retries: 1 });
  const fetched = await source.fetchPatientResources(request.context.patientId);
  return { resources: fetched.resources as Resource[], from: 'fhirServer', skipped: 0, warnings: fetched.warnings, gaps: fetched.gaps ?? [], linkedPatientsRead: fetched.linkedPatientsRead ?? [] };
}

function readPrefetch(prefetch: Record<string, unknown>, patientId: string): PatientData | undefined {
  const collected: Resource[] = [];
  const gaps: DataGap[] = [];
  let skipped = 0;
  for (const key of Object.keys(PREFETCH)) {
    const value = prefetch[key] as { resourceType?: unknown; entry?: { resource?: Resource }[]; link?: { relation?: string }[] } | null | undefined;
    // null: the EHR could not fill it; an OperationOutcome: the search failed. Either way, incomplete.
    if (value === null || value === undefined || typeof value !== 'object' || value.resourceType === 'OperationOutcome') return undefined;
    if (key === 'patient') {
      if (value.resourceType !== 'Patient' || (value as { id?: unknown }).id !== patientId) return undefined;
      collected.push(value as Resource);
      continue;
    }
    if (value.resourceType !== 'Bundle') return undefined;
    // A searchset with a next page is not the whole answer.
    if ((value.link ?? []).some((l) => l.relation === 'next')) return undefined;
    for (const entry of value.entry ?? []) {
      if (!entry.resource) continue;
      if (entry.resource.resourceType === 'OperationOutcome') {
        skipped++;
        const gap = gapOfOutcome(searchedKind(PREFETCH[key]), entry.resource, `prefetch ${key}`);
        if (gap) gaps.push(gap);
        continue;
      }
      collected.push(entry.resource);
    }
  }
  const { patients } = groupResourcesByPatient(collected, { source: 'prefetch', resourceTypes: SCREENING_RESOURCE_TYPES });
  const mine = patients.find((p) => p.patientId === patientId);
  if (!mine) return undefined;
  const outcomes = skipped;
  skipped += Math.max(0, collected.length - mine.resources.length);
  const warnings = outcomes > 0 ? [{ where: 'prefetch', message: `${outcomes} OperationOutcome entr${outcomes === 1 ? 'y' : 'ies'} in the prefetch searches were set aside` }] : [];
  return { resources: mine.resources as Resource[], from: 'prefetch', skipped, warnings, gaps };
}
