/**
 * FHIR references as "Type/id": relative ("Patient/123"), absolute
 * ("https://ehr.example/fhir/Patient/123", with or without "/_history/2"). `urn:uuid:`,
 * contained ("#x") and conditional ("Patient?identifier=...") references are not of this
 * form and give undefined.
 */

export interface ResourceKey {
  resourceType: string;
  id: string;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;
const TYPE = /^[A-Z][A-Za-z]{1,63}$/;

/**
 * Every resource names its patient, and normalising reads each reference more than once: each
 * distinct reference is parsed once (frozen, as it is shared). Bounded.
 */
const parsed = new Map<string, Readonly<ResourceKey> | null>();

export function parseReference(reference: string): Readonly<ResourceKey> | undefined {
  let key = parsed.get(reference);
  if (key === undefined) {
    key = parseUncached(reference) ?? null;
    if (key) Object.freeze(key);
    if (parsed.size >= 100_000) parsed.clear();
    parsed.set(reference, key);
  }
  return key ?? undefined;
}

function parseUncached(reference: string): ResourceKey | undefined {
  let end = reference.length;
  const history = reference.lastIndexOf('/_history/');
  if (history > 0) end = history;
  const idStart = reference.lastIndexOf('/', end - 1);
  if (idStart <= 0) return undefined;
  const typeStart = reference.lastIndexOf('/', idStart - 1) + 1;
  const resourceType = reference.slice(typeStart, idStart);
  const id = reference.slice(idStart + 1, end);
  if (!TYPE.test(resourceType) || !ID.test(id)) return undefined;
  if (typeStart > 0 && !/^[a-z][a-z0-9+.-]*:\/\//i.test(reference)) return undefined;
  return { resourceType, id };
}

/** "Type/id" for a reference of the forms above. */
export function relativeReference(reference: string): string | undefined {
  const key = parseReference(reference);
  return key ? `${key.resourceType}/${key.id}` : undefined;
}
