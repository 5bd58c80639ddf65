import { getStatus, isOperationOutcome } from '@medplum/core';
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { Response } from 'express';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export function sendOutcome(res: Response, outcome: OperationOutcome, status = getStatus(outcome)): void {
  res.status(status).set('Content-Type', FHIR_JSON).send(JSON.stringify(outcome));
}

/**
 * A router result as HTTP: status from the outcome, the resource (or the outcome) as the body,
 * ETag/Last-Modified for versioned resources, Location for creates, and `Prefer: return=`.
 */
export function sendResult(
  res: Response,
  baseUrl: string,
  outcome: OperationOutcome,
  resource: Resource | undefined,
  prefer: string | undefined,
): void {
  const status = getStatus(outcome);
  res.status(status).set('Content-Type', FHIR_JSON);
  if (resource && isVersioned(resource)) {
    const { versionId, lastUpdated } = resource.meta ?? {};
    res.set('ETag', `W/"${versionId ?? ''}"`);
    if (lastUpdated) res.set('Last-Modified', new Date(lastUpdated).toUTCString());
    if (status === 201) res.set('Location', `${baseUrl}/${resource.resourceType}/${resource.id ?? ''}/_history/${versionId ?? ''}`);
  }
  if (resource?.resourceType === 'Bundle') decorateBatchResponse(resource);
  if (prefer?.includes('return=minimal')) {
    res.end();
    return;
  }
  const body = prefer?.includes('return=OperationOutcome') || !resource ? outcome : resource;
  res.send(JSON.stringify(body));
}

function isVersioned(resource: Resource): boolean {
  return resource.resourceType !== 'Bundle' && !isOperationOutcome(resource) && resource.meta?.versionId !== undefined;
}

/** Batch/transaction responses: version-specific Location and ETag per written entry, as HAPI gives them. */
function decorateBatchResponse(bundle: Bundle): void {
  if (bundle.type !== 'batch-response' && bundle.type !== 'transaction-response') return;
  for (const entry of bundle.entry ?? []) {
    const resource = entry.resource;
    if (!entry.response || !resource || !isVersioned(resource)) continue;
    const { versionId, lastUpdated } = resource.meta ?? {};
    entry.response.etag = `W/"${versionId ?? ''}"`;
    if (lastUpdated) entry.response.lastModified = lastUpdated;
    if (entry.response.location) entry.response.location = `${resource.resourceType}/${resource.id ?? ''}/_history/${versionId ?? ''}`;
  }
}
