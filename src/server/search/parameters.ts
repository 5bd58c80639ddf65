import { getParsedExpressionForResourceType, getSearchParameter } from '@medplum/core';
import type { FhirPathAtom } from '@medplum/core';
import type { SearchParameter } from '@medplum/fhirtypes';
import { badRequestError } from '../outcomes';

/**
 * Search parameters with their FHIRPath expression narrowed to one resource type and parsed once.
 * The R4 definitions share one expression across dozens of types (`patient` names 30 of them);
 * evaluating the shared text per resource is what makes a naive in-memory search take seconds.
 */
export interface TypedSearchParameter {
  readonly code: string;
  readonly type: SearchParameter['type'];
  readonly targets: readonly string[];
  readonly expression: FhirPathAtom;
  readonly definition: SearchParameter;
}

const cache = new Map<string, TypedSearchParameter | null>();

export function findSearchParameter(resourceType: string, code: string): TypedSearchParameter | undefined {
  const key = `${resourceType}.${code}`;
  let entry = cache.get(key);
  if (entry === undefined) {
    const definition = getSearchParameter(resourceType, code);
    entry =
      definition?.expression === undefined
        ? null
        : {
            code,
            type: definition.type,
            targets: definition.target ?? [],
            expression: getParsedExpressionForResourceType(resourceType, definition.expression),
            definition,
          };
    cache.set(key, entry);
  }
  return entry ?? undefined;
}

export function requireSearchParameter(resourceType: string, code: string): TypedSearchParameter {
  const found = findSearchParameter(resourceType, code);
  if (!found) throw badRequestError(`Unknown search parameter "${code}" for ${resourceType}`, code);
  return found;
}
