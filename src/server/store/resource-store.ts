import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Resource } from '@medplum/fhirtypes';
import { goneError, notFoundError, preconditionFailedError } from '../outcomes';
import { ReferenceIndex } from './reference-index';
import { SerialQueue } from '../http/serial-queue';

/** One version of a resource; `resource` is undefined for a deletion. */
export interface StoredVersion {
  readonly versionId: string;
  readonly lastUpdated: string;
  readonly resource: Resource | undefined;
}

interface JournalEntry {
  resourceType: string;
  id: string;
  versionsBefore: number;
}

/**
 * The embedded server's data: every version of every resource, in memory. Versions are append
 * only ("1", "2", ... as HAPI numbers them), so undoing a failed transaction is truncating the
 * versions it appended. Stored objects are private copies: callers get clones.
 */
export class ResourceStore {
  private readonly records = new Map<string, Map<string, StoredVersion[]>>();
  private readonly index = new ReferenceIndex();
  /** Order of first creation per "Type/id", so narrowed searches page stably without a scan. */
  private readonly creation = new Map<string, number>();
  private creationCounter = 0;
  /** The journal of the transaction the current async flow runs in, if any. */
  private readonly journal = new AsyncLocalStorage<JournalEntry[]>();
  private readonly transactions = new SerialQueue();

  newId(): string {
    return randomUUID();
  }

  current(resourceType: string, id: string): StoredVersion | undefined {
    const versions = this.records.get(resourceType)?.get(id);
    return versions?.[versions.length - 1];
  }

  /** The live resource (not a copy: read-only use inside the server). */
  peek(resourceType: string, id: string): Resource | undefined {
    return this.current(resourceType, id)?.resource;
  }

  read(resourceType: string, id: string): Resource {
    const version = this.current(resourceType, id);
    if (!version) throw notFoundError(`${resourceType}/${id} is not known`);
    if (!version.resource) throw goneError(`${resourceType}/${id} was deleted`);
    return clone(version.resource);
  }

  readVersion(resourceType: string, id: string, versionId: string): Resource {
    const versions = this.records.get(resourceType)?.get(id);
    const version = versions?.find((v) => v.versionId === versionId);
    if (!version) throw notFoundError(`${resourceType}/${id}/_history/${versionId} is not known`);
    if (!version.resource) throw goneError(`${resourceType}/${id}/_history/${versionId} is a deletion`);
    return clone(version.resource);
  }

  history(resourceType: string, id: string): readonly StoredVersion[] {
    const versions = this.records.get(resourceType)?.get(id);
    if (!versions) throw notFoundError(`${resourceType}/${id} is not known`);
    return versions;
  }

  /** Ids of live resources of a type, in first-creation order (stable paging). */
  *liveIds(resourceType: string): Iterable<string> {
    const records = this.records.get(resourceType);
    if (!records) return;
    for (const [id, versions] of records) {
      if (versions[versions.length - 1]?.resource) yield id;
    }
  }

  /** Position of a resource in first-creation order (Infinity for an unknown one). */
  creationOrder(resourceType: string, id: string): number {
    return this.creation.get(`${resourceType}/${id}`) ?? Infinity;
  }

  idsReferencing(resourceType: string, key: string): ReadonlySet<string> {
    return this.index.idsReferencing(resourceType, key);
  }

  /**
   * Writes a new version of `resource` (which must carry resourceType and id). `ifMatch` is the
   * version the writer last saw; a different current version (or none) is 412.
   */
  write(resource: Resource & { id: string }, options: { ifMatch?: string; owned?: boolean } = {}): Resource {
    const { resourceType, id } = resource;
    const before = this.current(resourceType, id);
    if (options.ifMatch !== undefined && (!before?.resource || before.versionId !== options.ifMatch)) {
      throw preconditionFailedError(
        `${resourceType}/${id} is at version ${before?.resource ? before.versionId : '(none)'}, not ${options.ifMatch}`,
      );
    }
    // `owned`: the caller hands the object over (freshly parsed seed data) and never touches it again.
    const stored = options.owned ? resource : clone(resource);
    const version: StoredVersion = {
      versionId: String(this.versionCount(resourceType, id) + 1),
      lastUpdated: new Date().toISOString(),
      resource: stored,
    };
    stored.meta = { ...stored.meta, versionId: version.versionId, lastUpdated: version.lastUpdated };
    this.append(resourceType, id, version);
    return options.owned ? stored : clone(stored);
  }

  delete(resourceType: string, id: string): void {
    const before = this.current(resourceType, id);
    if (!before) throw notFoundError(`${resourceType}/${id} is not known`);
    if (!before.resource) return;
    this.append(resourceType, id, {
      versionId: String(this.versionCount(resourceType, id) + 1),
      lastUpdated: new Date().toISOString(),
      resource: undefined,
    });
  }

  /**
   * Runs `work` as one unit: if it throws, every version it appended is removed again. Units run
   * one after another; a unit started inside another (medplum's conditional create inside a
   * transaction Bundle) joins it. Writes from other async flows are not part of it (the HTTP
   * layer queues writes, so there are none while a transaction runs).
   */
  async transaction<T>(work: () => Promise<T>): Promise<T> {
    if (this.journal.getStore()) return work();
    const run = async (): Promise<T> => {
      const journal: JournalEntry[] = [];
      try {
        return await this.journal.run(journal, work);
      } catch (error) {
        this.rollback(journal);
        throw error;
      }
    };
    return this.transactions.run(run);
  }

  private versionCount(resourceType: string, id: string): number {
    return this.records.get(resourceType)?.get(id)?.length ?? 0;
  }

  private append(resourceType: string, id: string, version: StoredVersion): void {
    let records = this.records.get(resourceType);
    if (!records) {
      records = new Map();
      this.records.set(resourceType, records);
    }
    let versions = records.get(id);
    if (!versions) {
      versions = [];
      records.set(id, versions);
      this.creation.set(`${resourceType}/${id}`, this.creationCounter++);
    }
    this.journal.getStore()?.push({ resourceType, id, versionsBefore: versions.length });
    versions.push(version);
    this.index.set(resourceType, id, version.resource);
  }

  private rollback(journal: readonly JournalEntry[]): void {
    for (const entry of [...journal].reverse()) {
      const records = this.records.get(entry.resourceType);
      const versions = records?.get(entry.id);
      if (!records || !versions) continue;
      versions.length = entry.versionsBefore;
      if (versions.length === 0) {
        records.delete(entry.id);
        this.creation.delete(`${entry.resourceType}/${entry.id}`);
      }
      this.index.set(entry.resourceType, entry.id, versions[versions.length - 1]?.resource);
    }
  }
}

/** A deep copy of JSON data (resources), so callers never share the store's objects. */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
