import { validateResource } from '@medplum/core';
import type { SearchRequest, WithId } from '@medplum/core';
import { FhirRepository } from '@medplum/fhir-router';
import type { CreateResourceOptions, UpdateResourceOptions } from '@medplum/fhir-router';
import type { Bundle, BundleEntry, Reference, Resource } from '@medplum/fhirtypes';
import { badRequestError, notSupportedError } from './outcomes';
import { executeSearch } from './search/execute';
import type { SearchSettings } from './search/execute';
import { assertKnownResourceType } from './search/parse-query';
import type { ResourceStore } from './store/resource-store';
import { clone } from './store/resource-store';

export interface RepositoryContext {
  /** The base URL links and fullUrls use (per request: the address the client used). */
  baseUrl: () => string;
  /** Check resources against the R4 structure definitions on create and update. */
  validate: boolean;
  defaultCount: number;
  maxCount: number;
}

/**
 * The medplum FhirRepository interface over the embedded store, so @medplum/fhir-router's
 * REST handling (batch and transaction Bundles with urn:uuid rewriting, conditional create
 * and update) runs unchanged on it. One is made per HTTP request with that request's base URL.
 */
export class EmbeddedRepository extends FhirRepository<undefined> {
  constructor(
    readonly store: ResourceStore,
    readonly context: RepositoryContext,
  ) {
    super();
  }

  setMode(): void {
    // One in-memory store: there is no reader/writer split.
  }

  generateId(): string {
    return this.store.newId();
  }

  async createResource<T extends Resource>(resource: T, options?: CreateResourceOptions): Promise<WithId<T>> {
    assertKnownResourceType(resource.resourceType);
    // The server assigns ids on create; only batch processing pre-assigns them (assignedId).
    const id = options?.assignedId && resource.id ? resource.id : this.store.newId();
    const toWrite = { ...resource, id };
    this.check(toWrite);
    return this.store.write(toWrite) as WithId<T>;
  }

  async updateResource<T extends Resource>(resource: T, options?: UpdateResourceOptions): Promise<WithId<T>> {
    return (await this.upsert(resource, options?.ifMatch)).resource;
  }

  /** Update, or create with the client's id when there is no live resource (R4 update-as-create: 201). */
  async upsert<T extends Resource>(resource: T, ifMatch?: string): Promise<{ resource: WithId<T>; created: boolean }> {
    assertKnownResourceType(resource.resourceType);
    const { id } = resource;
    if (!id) throw badRequestError('An update needs the resource id');
    this.check(resource);
    const created = this.store.peek(resource.resourceType, id) === undefined;
    const written = this.store.write({ ...resource, id }, ifMatch === undefined ? {} : { ifMatch }) as WithId<T>;
    return { resource: written, created };
  }

  async readResource<T extends Resource>(resourceType: string, id: string): Promise<WithId<T>> {
    assertKnownResourceType(resourceType);
    return this.store.read(resourceType, id) as WithId<T>;
  }

  async readReference<T extends Resource>(reference: Reference<T>): Promise<WithId<T>> {
    const [type, id, ...rest] = (reference.reference ?? '').split('/');
    if (!type || !id || rest.length > 0) throw badRequestError(`"${reference.reference ?? ''}" is not a Type/id reference`);
    return this.readResource<T>(type, id);
  }

  async readReferences<T extends Resource>(references: readonly Reference<T>[]): Promise<(T | Error)[]> {
    return Promise.all(references.map((r) => this.readReference(r).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))))));
  }

  async readVersion<T extends Resource>(resourceType: string, id: string, versionId: string): Promise<WithId<T>> {
    assertKnownResourceType(resourceType);
    return this.store.readVersion(resourceType, id, versionId) as WithId<T>;
  }

  async readHistory<T extends Resource>(resourceType: string, id: string): Promise<Bundle<WithId<T>>> {
    assertKnownResourceType(resourceType);
    const base = this.context.baseUrl();
    const versions = [...this.store.history(resourceType, id)].reverse();
    const entry: BundleEntry<WithId<T>>[] = versions.map((v, i) => {
      const e: BundleEntry<WithId<T>> = {
        fullUrl: `${base}/${resourceType}/${id}`,
        request: {
          method: !v.resource ? 'DELETE' : i === versions.length - 1 ? 'POST' : 'PUT',
          url: i === versions.length - 1 && v.resource ? resourceType : `${resourceType}/${id}`,
        },
        response: { status: v.resource ? '200' : '204', etag: `W/"${v.versionId}"`, lastModified: v.lastUpdated },
      };
      if (v.resource) e.resource = clone(v.resource) as WithId<T>;
      return e;
    });
    return { resourceType: 'Bundle', type: 'history', total: entry.length, entry };
  }

  async deleteResource(resourceType: string, id: string): Promise<void> {
    assertKnownResourceType(resourceType);
    this.store.delete(resourceType, id);
  }

  async patchResource<T extends Resource>(): Promise<WithId<T>> {
    throw notSupportedError('PATCH is not supported by the embedded server');
  }

  async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    return executeSearch(this.store, searchRequest, this.searchSettings()) as Bundle<WithId<T>>;
  }

  async searchByReference<T extends Resource>(
    searchRequest: SearchRequest<T>,
    referenceField: string,
    references: string[],
  ): Promise<Record<string, WithId<T>[]>> {
    const out: Record<string, WithId<T>[]> = {};
    for (const reference of references) {
      const bundle = await this.search<T>({
        ...searchRequest,
        filters: [...(searchRequest.filters ?? []), { code: referenceField, operator: 'eq', value: reference }],
      });
      out[reference] = (bundle.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
    }
    return out;
  }

  async withTransaction<TResult>(callback: (client: undefined) => Promise<TResult>): Promise<TResult> {
    return this.store.transaction(() => callback(undefined));
  }

  private searchSettings(): SearchSettings {
    return { baseUrl: this.context.baseUrl(), defaultCount: this.context.defaultCount, maxCount: this.context.maxCount };
  }

  private check(resource: Resource): void {
    // validateResource throws an OperationOutcomeError (400) listing every structural problem.
    if (this.context.validate) validateResource(resource);
  }
}
