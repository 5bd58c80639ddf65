import { forEachReference } from '../../input/references';

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
  forEachReference(value, (_holder, reference) => {
    const key = referenceKey(reference);
    if (key) into.add(key);
  });
  return into;
}
