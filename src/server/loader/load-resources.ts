import { getStatus, isOk } from '@medplum/core';
import type { FhirRouter } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { EligoError } from '../../errors/eligo-error';
import type { EmbeddedRepository } from '../repository';
import type { ResourceStore } from '../store/resource-store';
import { rewriteReferences } from '../../input/references';
import { clone } from '../store/resource-store';

export type LoadInput = Resource | readonly Resource[] | Bundle;

export interface LoadResult {
  /** Resources written. */
  resources: number;
  byType: Record<string, number>;
  /** For transaction/batch Bundles: each entry's fullUrl and the "Type/id" the server gave it. */
  references: Record<string, string>;
}

export interface LoadOptions {
  /**
   * The caller hands the objects over (freshly parsed JSON it will not touch again): they are
   * stored without a copy, which halves the time to seed large files. Default false.
   */
  owned?: boolean;
}

export interface LoadTarget {
  store: ResourceStore;
  router: FhirRouter;
  /** A repository that skips validation: seed data is loaded as given. */
  seedRepository: () => EmbeddedRepository;
}

/**
 * Seeds the store. Transaction and batch Bundles keep FHIR transaction semantics (server-assigned
 * ids for POST, urn:uuid references rewritten, all or nothing); Bundles made only of plain
 * POST/PUT entries (Synthea's) take a direct path that skips the per-entry REST routing, which
 * is what makes 100 Synthea patients load in seconds. Anything else goes through the router.
 * Other Bundles, arrays and single resources are stored with their own ids.
 */
export async function loadResources(target: LoadTarget, input: LoadInput, options: LoadOptions = {}): Promise<LoadResult> {
  const owned = options.owned ?? false;
  if (isBundle(input) && (input.type === 'transaction' || input.type === 'batch')) {
    return isPlainWriteBundle(input) ? loadPlainWrites(target.store, input, owned) : loadThroughRouter(target, input);
  }
  const resources = isBundle(input)
    ? (input.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []))
    : Array.isArray(input)
      ? (input as readonly Resource[])
      : [input as Resource];
  return target.store.transaction(async () => {
    const result = emptyResult();
    for (const resource of resources) {
      assertResource(resource);
      const written = target.store.write({ ...resource, id: resource.id ?? target.store.newId() }, { owned });
      count(result, written);
    }
    return result;
  });
}

function isBundle(input: LoadInput): input is Bundle {
  return !Array.isArray(input) && (input as Resource).resourceType === 'Bundle';
}

function assertResource(value: unknown): asserts value is Resource {
  if (typeof value !== 'object' || value === null || typeof (value as { resourceType?: unknown }).resourceType !== 'string') {
    throw new EligoError('ERR_INPUT_INVALID', 'a seed item is not a FHIR resource (no resourceType)');
  }
}

const PLAIN_PUT_URL = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;

function isPlainWriteBundle(bundle: Bundle): boolean {
  return (bundle.entry ?? []).every((e) => {
    const { request, resource } = e;
    if (!request || !resource) return false;
    if (request.ifMatch || request.ifNoneExist || request.ifNoneMatch || request.ifModifiedSince) return false;
    if (request.method === 'POST') return request.url === resource.resourceType;
    if (request.method === 'PUT') return PLAIN_PUT_URL.exec(request.url)?.[1] === resource.resourceType;
    return false;
  });
}

async function loadPlainWrites(store: ResourceStore, bundle: Bundle, owned: boolean): Promise<LoadResult> {
  const entries = bundle.entry ?? [];
  const result = emptyResult();
  const map = new Map<string, string>();
  const planned = entries.map((entry: BundleEntry) => {
    const resource = entry.resource as Resource;
    const request = entry.request as NonNullable<BundleEntry['request']>;
    const id = request.method === 'PUT' ? (PLAIN_PUT_URL.exec(request.url)?.[2] ?? store.newId()) : store.newId();
    const key = `${resource.resourceType}/${id}`;
    if (entry.fullUrl) {
      map.set(entry.fullUrl, key);
      result.references[entry.fullUrl] = key;
    }
    return { resource, id };
  });
  return store.transaction(async () => {
    for (const { resource, id } of planned) {
      const copy = owned ? resource : clone(resource);
      rewriteReferences(copy, map);
      copy.id = id;
      count(result, store.write(copy as Resource & { id: string }, { owned: true }));
    }
    return result;
  });
}

async function loadThroughRouter(target: LoadTarget, bundle: Bundle): Promise<LoadResult> {
  const [outcome, response] = await target.router.handleRequest(
    { method: 'POST', url: '', pathname: '', params: {}, query: {}, body: bundle, config: { transactions: true } },
    target.seedRepository(),
  );
  if (!isOk(outcome) || response?.resourceType !== 'Bundle') {
    throw new EligoError('ERR_INPUT_INVALID', `the seed ${bundle.type ?? ''} Bundle was refused (${getStatus(outcome)}): ${outcomeText(outcome)}`);
  }
  const result = emptyResult();
  const requested = bundle.entry ?? [];
  (response.entry ?? []).forEach((entry, i) => {
    const status = Number(entry.response?.status ?? '0');
    if (status >= 300) {
      throw new EligoError('ERR_INPUT_INVALID', `seed Bundle entry ${i} failed (${status}): ${outcomeText(entry.response?.outcome)}`);
    }
    const written = entry.resource;
    const fullUrl = requested[i]?.fullUrl;
    if (written?.id && fullUrl) result.references[fullUrl] = `${written.resourceType}/${written.id}`;
    if (written && requested[i]?.request?.method !== 'GET') count(result, written);
  });
  return result;
}

function outcomeText(outcome: { issue?: { details?: { text?: string }; diagnostics?: string }[] } | undefined): string {
  return (outcome?.issue ?? []).map((i) => i.details?.text ?? i.diagnostics ?? '').join('; ');
}

function emptyResult(): LoadResult {
  return { resources: 0, byType: {}, references: {} };
}

function count(result: LoadResult, resource: Resource): void {
  result.resources++;
  result.byType[resource.resourceType] = (result.byType[resource.resourceType] ?? 0) + 1;
}
