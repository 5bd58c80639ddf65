import type { CapabilityStatement, CapabilityStatementRestResourceOperation } from '@medplum/fhirtypes';
import type { FhirHttp } from './http/fhir-http';
import { httpError } from './http/fhir-http';

/** What a server says it supports, as far as eligo's reads and writes care. */
export interface ServerCapabilities {
  readonly batch: boolean;
  readonly transaction: boolean;
  /** False only when the statement lists resources and this type cannot be searched. */
  canSearch(resourceType: string): boolean;
  /** The declared search parameter names, or undefined when the statement lists none for the type. */
  searchParams(resourceType: string): ReadonlySet<string> | undefined;
  canRevInclude(resourceType: string, revInclude: string): boolean;
  /** Bulk Data $export as the statement declares it. */
  readonly bulkExport: BulkExportSupport;
}

/** Which $export levels a server offers, and which of them only its `instantiates` says. */
export interface BulkExportSupport {
  patient: boolean;
  group: boolean;
  system: boolean;
  /** Levels taken as offered only because the statement instantiates the Bulk Data capability statement. */
  inferred: ('patient' | 'group')[];
}

/** The Bulk Data IG's server CapabilityStatement (v1 and v2 share the canonical). */
export const BULK_DATA_CAPABILITY = 'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data';

const EXPORT_DEFINITION = /\/OperationDefinition\/(patient-export|group-export|export)$/;

/**
 * $export support from a CapabilityStatement, two ways: operations named `export` (or
 * `patient-export` / `group-export`) on Patient, Group or the system, or declared by their Bulk
 * Data OperationDefinition URL; and `instantiates` naming the Bulk Data IG's statement. Real
 * servers do not list every level they serve (Medplum lists Group/$export but serves
 * Patient/$export too), so a server that instantiates the IG is taken to offer the Patient and
 * Group levels the IG describes, marked `inferred` so a refusal can still fall back. System
 * level is not inferred: eligo never exports a whole server, and servers often keep it to admins.
 */
export function bulkExportSupport(statement: CapabilityStatement): BulkExportSupport {
  const rest = (statement.rest ?? []).find((r) => r.mode === 'server');
  const onType = (type: string): readonly CapabilityStatementRestResourceOperation[] => rest?.resource?.find((r) => r.type === type)?.operation ?? [];
  // Some servers list patient-export / group-export among the system operations instead.
  const system = rest?.operation ?? [];
  const declared = {
    patient: declaresExport(onType('Patient'), ['export', 'patient-export'], 'patient-export') || declaresExport(system, ['patient-export'], 'patient-export'),
    group: declaresExport(onType('Group'), ['export', 'group-export'], 'group-export') || declaresExport(system, ['group-export'], 'group-export'),
    system: declaresExport(system, ['export'], 'export'),
  };
  const instantiates = (statement.instantiates ?? []).some((url) => url.split('|')[0]?.replace(/^https:/, 'http:') === BULK_DATA_CAPABILITY);
  const inferred = instantiates ? (['patient', 'group'] as const).filter((level) => !declared[level]) : [];
  return { patient: declared.patient || instantiates, group: declared.group || instantiates, system: declared.system, inferred };
}

function declaresExport(operations: readonly CapabilityStatementRestResourceOperation[], names: readonly string[], definition: string): boolean {
  return operations.some((o) => names.includes(o.name) || EXPORT_DEFINITION.exec(o.definition)?.[1] === definition);
}

const TTL_MS = 60 * 60 * 1000;
const cache = new Map<string, { at: number; value: Promise<ServerCapabilities> }>();

/**
 * The server's CapabilityStatement, read once per base URL per hour (servers change them only
 * on upgrade). A server that will not give one (404, 401 on /metadata) gets the cautious
 * reading: no batch, no transaction, every type searchable. Failures to reach it are not cached.
 */
export function serverCapabilities(http: FhirHttp): Promise<ServerCapabilities> {
  const cached = cache.get(http.baseUrl);
  if (cached && Date.now() - cached.at < TTL_MS) return cached.value;
  const value = readCapabilities(http);
  cache.set(http.baseUrl, { at: Date.now(), value });
  value.catch(() => cache.delete(http.baseUrl));
  return value;
}

async function readCapabilities(http: FhirHttp): Promise<ServerCapabilities> {
  const request = { method: 'GET', url: 'metadata', idempotent: true } as const;
  const response = await http.send(request);
  if (response.status >= 200 && response.status < 300) {
    const statement = response.body as CapabilityStatement | undefined;
    if (statement?.resourceType === 'CapabilityStatement') return fromStatement(statement);
    return CAUTIOUS;
  }
  if (response.status >= 400 && response.status < 500) return CAUTIOUS;
  throw httpError(http, request, response);
}

const CAUTIOUS: ServerCapabilities = {
  batch: false,
  transaction: false,
  canSearch: () => true,
  searchParams: () => undefined,
  canRevInclude: () => false,
  bulkExport: { patient: false, group: false, system: false, inferred: [] },
};

function fromStatement(statement: CapabilityStatement): ServerCapabilities {
  const rest = (statement.rest ?? []).find((r) => r.mode === 'server');
  const system = new Set((rest?.interaction ?? []).map((i) => i.code));
  const resources = new Map((rest?.resource ?? []).map((r) => [r.type, r] as const));
  return {
    batch: system.has('batch'),
    transaction: system.has('transaction'),
    canSearch: (type) => {
      if (resources.size === 0) return true;
      const resource = resources.get(type as never);
      return resource !== undefined && (resource.interaction ?? []).some((i) => i.code === 'search-type');
    },
    searchParams: (type) => {
      const params = resources.get(type as never)?.searchParam;
      return params && params.length > 0 ? new Set(params.map((p) => p.name)) : undefined;
    },
    canRevInclude: (type, revInclude) => (resources.get(type as never)?.searchRevInclude ?? []).includes(revInclude),
    bulkExport: bulkExportSupport(statement),
  };
}
