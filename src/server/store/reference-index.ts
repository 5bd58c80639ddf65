import { collectReferenceKeys } from './references';

/**
 * Which resources of a type point at a given "Type/id". Searches like `Observation?patient=X`
 * start from this set instead of evaluating FHIRPath over every Observation (seconds per search
 * on 100 Synthea patients); the exact search parameter check still runs on the candidates.
 */
export class ReferenceIndex {
  private readonly byType = new Map<string, Map<string, Set<string>>>();
  private readonly keysOf = new Map<string, readonly string[]>();

  set(resourceType: string, id: string, resource: object | undefined): void {
    this.remove(resourceType, id);
    if (!resource) return;
    const keys = [...collectReferenceKeys(resource)];
    let index = this.byType.get(resourceType);
    if (!index) {
      index = new Map();
      this.byType.set(resourceType, index);
    }
    for (const key of keys) {
      let ids = index.get(key);
      if (!ids) {
        ids = new Set();
        index.set(key, ids);
      }
      ids.add(id);
    }
    this.keysOf.set(`${resourceType}/${id}`, keys);
  }

  /** Ids of `resourceType` resources holding a reference to `key` ("Type/id"). */
  idsReferencing(resourceType: string, key: string): ReadonlySet<string> {
    return this.byType.get(resourceType)?.get(key) ?? EMPTY;
  }

  private remove(resourceType: string, id: string): void {
    const keys = this.keysOf.get(`${resourceType}/${id}`);
    if (!keys) return;
    const index = this.byType.get(resourceType);
    for (const key of keys) index?.get(key)?.delete(id);
    this.keysOf.delete(`${resourceType}/${id}`);
  }
}

const EMPTY: ReadonlySet<string> = new Set();
