import type { CapabilityStatement } from '@medplum/fhirtypes';
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
  };
}
