/**
 * Literal references as the store indexes and compares them: "Type/id", whether the resource
 * wrote it relative, absolute (any base) or version-specific. Contained ("#x"), urn: and
 * logical (identifier-only) references have no key.
 */
const LITERAL_REFERENCE = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

export function referenceKey(reference: string): string | undefined {
  if (reference.startsWith('#') || reference.startsWith('urn:')) return undefined;
  const match = LITERAL_REFERENCE.exec(reference);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** Every literal reference key anywhere in a resource (contained resources included: a superset is fine for an index). */
export function collectReferenceKeys(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) collectReferenceKeys(item, into);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const child = record[key];
      if (key === 'reference' && typeof child === 'string') {
        const ref = referenceKey(child);
        if (ref) into.add(ref);
      } else if (typeof child === 'object' && child !== null) {
        collectReferenceKeys(child, into);
      }
    }
  }
  return into;
}

/** Rewrites `reference` values found in `map` (bundle fullUrls to "Type/id"), in place. */
export function rewriteReferences(value: unknown, map: ReadonlyMap<string, string>): void {
  if (Array.isArray(value)) {
    for (const item of value) if (typeof item === 'object' && item !== null) rewriteReferences(item, map);
  } else if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    for (const key in record) {
      const child = record[key];
      if (key === 'reference' && typeof child === 'string') {
        const target = map.get(child);
        if (target !== undefined) record[key] = target;
      } else if (typeof child === 'object' && child !== null) {
        rewriteReferences(child, map);
      }
    }
  }
}
