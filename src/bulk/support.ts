import type { CapabilityStatement } from '@medplum/fhirtypes';
import { EligoError } from '../errors/eligo-error';
import { bulkExportSupport } from '../fhir/capabilities';
import type { BulkHttp } from './bulk-http';
import { jsonBody } from './bulk-http';

/** What a server's CapabilityStatement says about $export. */
export interface BulkSupport {
  patient: boolean;
  group: boolean;
  system: boolean;
  /**
   * Levels offered only per `instantiates` (the Bulk Data IG's statement), not listed as
   * operations: used, but a kick-off the server then refuses falls back to searches.
   */
  inferred?: ('patient' | 'group')[];
  /** Why a level is missing, in words for a run summary (no server data beyond the URL). */
  reason?: string;
}

/**
 * Reads $export support from the CapabilityStatement (bulkExportSupport: the operations it
 * lists and the Bulk Data statement it instantiates). A server that does not say it exports is
 * treated as not exporting: the caller falls back to searches for the same patients rather
 * than guessing.
 */
export async function detectBulkSupport(http: BulkHttp, signal?: AbortSignal): Promise<BulkSupport> {
  const response = await http.send({ method: 'GET', url: 'metadata', headers: { accept: 'application/fhir+json' }, withToken: true, ...(signal ? { signal } : {}) });
  const body = await jsonBody(response);
  if (!response.ok || (body as CapabilityStatement | undefined)?.resourceType !== 'CapabilityStatement') {
    return { patient: false, group: false, system: false, reason: `FHIR server ${http.shownBase} gave no CapabilityStatement (${response.status}); Bulk Data support unknown` };
  }
  const { inferred, ...levels } = bulkExportSupport(body as CapabilityStatement);
  const support: BulkSupport = { ...levels, ...(inferred.length > 0 ? { inferred } : {}) };
  const absent = 'in its CapabilityStatement (neither as an operation nor by instantiating the Bulk Data capability statement)';
  if (!support.patient && !support.group) support.reason = `FHIR server ${http.shownBase} does not advertise Patient or Group $export ${absent}`;
  else if (!support.group) support.reason = `FHIR server ${http.shownBase} does not advertise Group-level $export ${absent}`;
  else if (!support.patient) support.reason = `FHIR server ${http.shownBase} does not advertise Patient-level $export ${absent}`;
  return support;
}

export function assertSupported(support: BulkSupport, level: 'patient' | 'group', shownBase: string): void {
  if (support[level]) return;
  throw new EligoError(
    'ERR_FHIR_REQUEST_FAILED',
    `FHIR server ${shownBase} does not support ${level === 'group' ? 'Group' : 'Patient'}-level Bulk Data $export (${support.reason ?? 'not in its CapabilityStatement'}); screen by searches instead`,
    { where: shownBase },
  );
}
