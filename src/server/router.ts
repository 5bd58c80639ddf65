import { allOk, created } from '@medplum/core';
import { FhirRouter } from '@medplum/fhir-router';
import type { FhirRequest, FhirRouteHandler, HttpMethod } from '@medplum/fhir-router';
import type { Resource } from '@medplum/fhirtypes';
import { badRequestError, notSupportedError } from './outcomes';
import { EmbeddedRepository } from './repository';
import { parseSearchQuery } from './search/parse-query';
import type { RawQuery } from './search/parse-query';

/**
 * @medplum/fhir-router with the embedded server's own search: the router's handlers parse the
 * query leniently (unknown parameters match nothing, type modifiers are dropped), ours refuses
 * what it cannot answer. Batch entries go through the same routes, so they get the same search.
 */
export function createEmbeddedRouter(): FhirRouter {
  const router = new FhirRouter();
  replaceRoute(router, 'GET', ':resourceType', searchHandler);
  replaceRoute(router, 'POST', ':resourceType/_search', searchHandler);
  replaceRoute(router, 'PUT', ':resourceType/:id', updateHandler);
  replaceRoute(router, 'GET', '', unsupported('system-level search'));
  replaceRoute(router, 'PATCH', ':resourceType/:id', unsupported('PATCH'));
  replaceRoute(router, 'PATCH', ':resourceType', unsupported('PATCH'));
  replaceRoute(router, 'POST', '$graphql', unsupported('GraphQL'));
  return router;
}

const searchHandler: FhirRouteHandler = async (req: FhirRequest, repo) => {
  const resourceType = req.params.resourceType ?? '';
  const fromBody = req.method === 'POST' && isRawQuery(req.body) ? req.body : {};
  const request = parseSearchQuery(resourceType, { ...fromBody, ...req.query });
  return [allOk, await repo.search(request)];
};

/** The router's update answers 200 even when it created the resource; R4 wants 201 for update-as-create. */
const updateHandler: FhirRouteHandler = async (req: FhirRequest, repo) => {
  const { resourceType, id } = req.params;
  const resource = req.body as { resourceType?: unknown; id?: unknown } | undefined;
  if (resource?.resourceType !== resourceType) throw badRequestError(`the body is not a ${resourceType ?? ''}`);
  if (resource?.id !== id) throw badRequestError(`the body's id is not ${id ?? ''}`);
  if (!(repo instanceof EmbeddedRepository)) throw new Error('the embedded router runs on the embedded repository only');
  const ifMatch = /^(?:W\/)?"([^"]+)"$/.exec(String(req.headers?.['if-match'] ?? ''))?.[1];
  const result = await repo.upsert(req.body as Resource, ifMatch);
  return [result.created ? created : allOk, result.resource];
};

function isRawQuery(value: unknown): value is RawQuery {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !('resourceType' in value);
}

function unsupported(what: string): FhirRouteHandler {
  return () => Promise.reject(notSupportedError(`${what} is not supported by the embedded server`));
}

/** Swaps the handler of one of the router's built-in routes; fails loudly if medplum renames it. */
function replaceRoute(router: FhirRouter, method: HttpMethod, path: string, handler: FhirRouteHandler): void {
  const route = router.router.routes.find(
    (r) => r.method === method && r.path.map((s) => (s.param ? `:${s.value}` : s.value)).join('/') === path,
  );
  if (!route) throw new Error(`@medplum/fhir-router has no ${method} ${path} route to replace`);
  route.handler = handler;
}
