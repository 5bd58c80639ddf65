import type { CapabilityStatement, CapabilityStatementRestResourceOperation } from '@medplum/fhirtypes';
import { EligoError } from '../errors/eligo-error';
import type { BulkHttp } from './bulk-http';
import { jsonBody } from './bulk-http';

/** What a server's CapabilityStatement says about $export. */
export interface BulkSupport {
  patient: boolean;
  group: boolean;
  system: boolean;
  /** Why a level is missing, in words for a run summary (no server data beyond the URL). */
  reason?: string;
}

const DEFINITION = /\/OperationDefinition\/(patient-export|group-export|export)$/;

/**
 * Reads $export support from the CapabilityStatement: operations named `export` (or
 * `patient-export` / `group-export`) on Patient, Group or the system, or declared by their
 * Bulk Data OperationDefinition URL. A server that does not say it exports is treated as not
 * exporting: the caller falls back to per-patient searches rather than guessing.
 */
export async function detectBulkSupport(http: BulkHttp, signal?: AbortSignal): Promise<BulkSupport> {
  const response = await http.send({ method: 'GET', url: 'metadata', headers: { accept: 'application/fhir+json' }, withToken: true, ...(signal ? { signal } : {}) });
  const body = await jsonBody(response);
  if (!response.ok || (body as CapabilityStatement | undefined)?.resourceType !== 'CapabilityStatement') {
    return { patient: false, group: false, system: false, reason: `FHIR server ${http.shownBase} gave no CapabilityStatement (${response.status}); Bulk Data support unknown` };
  }
  const rest = ((body as CapabilityStatement).rest ?? []).find((r) => r.mode === 'server');
  const onType = (type: string): readonly CapabilityStatementRestResourceOperation[] => rest?.resource?.find((r) => r.type === type)?.operation ?? [];
  // Some servers list patient-export / group-export among the system operations instead.
  const system = rest?.operation ?? [];
  const support: BulkSupport = {
    patient: declares(onType('Patient'), ['export', 'patient-export'], 'patient-export') || declares(system, ['patient-export'], 'patient-export'),
    group: declares(onType('Group'), ['export', 'group-export'], 'group-export') || declares(system, ['group-export'], 'group-export'),
    system: declares(system, ['export'], 'export'),
  };
  if (!support.patient && !support.group) support.reason = `FHIR server ${http.shownBase} does not advertise Patient or Group $export in its CapabilityStatement`;
  else if (!support.group) support.reason = `FHIR server ${http.shownBase} does not advertise Group-level $export`;
  else if (!support.patient) support.reason = `FHIR server ${http.shownBase} does not advertise Patient-level $export`;
  return support;
}

function declares(operations: readonly CapabilityStatementRestResourceOperation[], names: readonly string[], definition: string): boolean {
  return operations.some((o) => names.includes(o.name) || DEFINITION.exec(o.definition)?.[1] === definition);
}

export function assertSupported(support: BulkSupport, level: 'patient' | 'group', shownBase: string): void {
  if (support[level]) return;
  throw new EligoError(
    'ERR_FHIR_REQUEST_FAILED',
    `FHIR server ${shownBase} does not support ${level === 'group' ? 'Group' : 'Patient'}-level Bulk Data $export (${support.reason ?? 'not in its CapabilityStatement'}); screen by searches instead`,
    { where: shownBase },
  );
}
