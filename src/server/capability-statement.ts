import { getResourceTypes, getSearchParameters, isResourceType } from '@medplum/core';
import type {
  CapabilityStatement,
  CapabilityStatementRestInteraction,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceSearchParam,
} from '@medplum/fhirtypes';

export interface CapabilityOptions {
  baseUrl: string;
  softwareVersion: string;
  batch: boolean;
  transaction: boolean;
  startedAt: string;
  /** Canonical CapabilityStatements this server claims to implement (Bulk Data's bulk-data). */
  instantiates?: readonly string[];
  /** Type-level operations to advertise (Patient and Group $export). */
  operations?: readonly { type: string; name: string; definition: string }[];
}

/** Search parameter types the embedded server answers exactly (see search/match.ts). */
const SEARCHABLE_TYPES = new Set(['reference', 'token', 'string', 'uri', 'date']);

/**
 * What the embedded server really does, so clients that read the CapabilityStatement (eligo's
 * own FHIR source does) pick batch, transactions and _revinclude only when they work.
 */
export function buildCapabilityStatement(options: CapabilityOptions): CapabilityStatement {
  const types = getResourceTypes().filter((t) => isResourceType(t)).sort();
  const revIncludes = revIncludesByTarget(types);
  const interaction: CapabilityStatementRestInteraction[] = [];
  if (options.batch) interaction.push({ code: 'batch' });
  if (options.transaction) interaction.push({ code: 'transaction' });
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.startedAt,
    kind: 'instance',
    software: { name: 'eligo embedded FHIR server', version: options.softwareVersion },
    implementation: { description: 'In-memory FHIR R4 server for development and tests', url: options.baseUrl },
    ...(options.instantiates?.length ? { instantiates: [...options.instantiates] } : {}),
    fhirVersion: '4.0.1',
    format: ['json', 'application/fhir+json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Search supports reference, token (:not, :text, :below for ICD/ATC), string (:exact, :contains), uri and date ' +
          'parameters, _id, _lastUpdated, _sort (by reference, token, string, uri and date parameters, - for descending), ' +
          '_count/_offset paging, _summary (true, text, data, count, false; top-level elements only), _elements (top-level ' +
          'element names, applied to the matches), _include and _revinclude without :iterate. Not supported, answered 400 ' +
          'with an OperationOutcome naming the parameter: chained parameters, _has, _type, _cursor, _contained, _filter, ' +
          'number, quantity and composite parameters, _elements with _summary. Transactions are ' +
          'all-or-nothing; at most 50 updates, and at most 8 entries when one is conditional (@medplum/fhir-router limits).',
        resource: types.map((type) => withOperations(resourceCapability(type, revIncludes.get(type) ?? []), options.operations ?? [])),
        interaction,
      },
    ],
  };
}

function resourceCapability(type: string, searchRevInclude: string[]): CapabilityStatementRestResource {
  const params = Object.values(getSearchParameters(type) ?? {});
  const searchParam: CapabilityStatementRestResourceSearchParam[] = params
    .filter((p) => SEARCHABLE_TYPES.has(p.type ?? '') && p.code)
    .map((p) => ({ name: p.code ?? '', type: p.type ?? 'token', definition: p.url }));
  return {
    type: type as CapabilityStatementRestResource['type'],
    profile: `http://hl7.org/fhir/StructureDefinition/${type}`,
    interaction: ['read', 'vread', 'update', 'delete', 'history-instance', 'create', 'search-type'].map((code) => ({
      code: code as NonNullable<CapabilityStatementRestResource['interaction']>[number]['code'],
    })),
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalUpdate: true,
    conditionalDelete: 'single',
    searchInclude: params.filter((p) => p.type === 'reference').map((p) => `${type}:${p.code ?? ''}`),
    searchRevInclude,
    searchParam,
  };
}

function withOperations(
  resource: CapabilityStatementRestResource,
  operations: readonly { type: string; name: string; definition: string }[],
): CapabilityStatementRestResource {
  const own = operations.filter((o) => o.type === resource.type).map(({ name, definition }) => ({ name, definition }));
  return own.length > 0 ? { ...resource, operation: own } : resource;
}

/** For each type, the "Source:param" reference parameters that can point at it. */
function revIncludesByTarget(types: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const source of types) {
    for (const p of Object.values(getSearchParameters(source) ?? {})) {
      if (p.type !== 'reference') continue;
      for (const target of p.target ?? []) {
        const list = out.get(target) ?? [];
        list.push(`${source}:${p.code ?? ''}`);
        out.set(target, list);
      }
    }
  }
  return out;
}
