import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

/** The tag every loaded resource carries: where it came from, so a second load of the file is skipped and tests find it. */
export const SOURCE_TAG_SYSTEM = 'urn:eligo:source-id';

export interface PortableBundle {
  bundle: Bundle;
  /** "Patient/<id as in the file>" of each patient, to check whether the file was loaded already. */
  patients: string[];
}

/**
 * A file's resources as a transaction any server accepts: no client-chosen ids (servers that
 * assign ids refuse them), every resource a POST under a fresh urn:uuid, every reference to
 * another resource of the file rewritten to that urn (the server resolves them), and each
 * resource tagged with its id in the file. References the file does not resolve are left as
 * written.
 */
export function portableTransaction(resources: readonly Resource[], fullUrls: ReadonlyMap<Resource, string> = new Map()): PortableBundle {
  const urnOf = new Map<string, string>();
  const planned = resources.map((resource) => {
    const urn = `urn:uuid:${randomUUID()}`;
    if (resource.id) urnOf.set(`${resource.resourceType}/${resource.id}`, urn);
    const given = fullUrls.get(resource);
    if (given) urnOf.set(given, urn);
    return { resource, urn };
  });
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'reference' && typeof inner === 'string') out[key] = urnOf.get(inner) ?? inner;
      else out[key] = rewrite(inner);
    }
    return out;
  };
  const entry: BundleEntry[] = planned.map(({ resource, urn }) => {
    const { id, meta, ...rest } = resource as Resource & { id?: string };
    const tags = (meta?.tag ?? []).filter((t) => t.system !== SOURCE_TAG_SYSTEM);
    const sourceId = id ? [{ system: SOURCE_TAG_SYSTEM, code: `${resource.resourceType}/${id}` }] : [];
    const cleanMeta = { ...(meta?.profile ? { profile: meta.profile } : {}), ...(meta?.security ? { security: meta.security } : {}), tag: [...tags, ...sourceId] };
    return {
      fullUrl: urn,
      resource: { ...(rewrite(rest) as Resource), meta: cleanMeta } as Resource,
      request: { method: 'POST', url: resource.resourceType },
    };
  });
  return {
    bundle: { resourceType: 'Bundle', type: 'transaction', entry },
    patients: resources.filter((r) => r.resourceType === 'Patient' && r.id).map((r) => `Patient/${r.id as string}`),
  };
}
