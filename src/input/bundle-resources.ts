import type { Resource } from '@medplum/fhirtypes';
import { list, obj, str } from '../record/read';
import type { DataGap } from '../record/types';
import { gapOfOutcome, searchedKind } from './outcome-gaps';
import type { InputFileError } from './types';
import { rewriteReferences } from './references';

const READABLE_BUNDLE_TYPES = new Set(['collection', 'searchset', 'transaction', 'batch', 'document']);
/** Bundles of bundles (a collection of patient Bundles) are flattened this deep. */
const MAX_NESTING = 3;

/**
 * The resources of a Bundle, with `urn:uuid:` (and `urn:oid:`) references between its entries
 * rewritten to "Type/id" so later steps see one form. A resource with no id takes its
 * fullUrl's uuid as id. Rewrites happen in place: the Bundle is the caller's freshly parsed
 * JSON, and copying it would double the memory. Returns undefined (with an error) when the
 * value is not a readable Bundle.
 */
export function resourcesOfBundle(
  value: unknown,
  file: string,
  errors: InputFileError[],
  keep?: ReadonlySet<string>,
  gaps: DataGap[] = [],
): Resource[] | undefined {
  const bundle = obj(value);
  if (!bundle || typeof bundle.resourceType !== 'string') {
    errors.push({ file, message: 'not a FHIR resource (no resourceType)' });
    return undefined;
  }
  if (bundle.resourceType !== 'Bundle') {
    errors.push({ file, message: `a ${bundle.resourceType} resource, not a Bundle` });
    return undefined;
  }
  const type = str(bundle.type);
  if (type === undefined || !READABLE_BUNDLE_TYPES.has(type)) {
    errors.push({ file, message: `Bundle type ${type ?? '(none)'} is not read (collection, searchset, transaction, batch and document are)` });
    return undefined;
  }
  const resources: Resource[] = [];
  const urnTargets = new Map<string, string>();
  collectEntries({ file, errors, resources, urnTargets, keep, gaps }, bundle, '', 0);
  if (urnTargets.size > 0) {
    for (const resource of resources) rewriteReferences(resource, urnTargets);
  }
  return resources;
}

interface Collector {
  file: string;
  errors: InputFileError[];
  resources: Resource[];
  urnTargets: Map<string, string>;
  keep: ReadonlySet<string> | undefined;
  /** What the file itself says is missing (OperationOutcome entries) or could not be read. */
  gaps: DataGap[];
}

function collectEntries(collector: Collector, bundle: Record<string, unknown>, prefix: string, depth: number): void {
  const { file, errors, resources, urnTargets, keep, gaps } = collector;
  const selfLink = list(bundle.link).map(obj).find((l) => l?.relation === 'self');
  const kind = searchedKind(str(selfLink?.url));
  const entries = bundle.entry;
  if (entries === undefined) return;
  if (!Array.isArray(entries)) {
    errors.push({ file, location: `${prefix}entry`, message: 'Bundle.entry is not a list' });
    return;
  }
  for (let i = 0; i < entries.length; i++) {
    // Named only when something is wrong with the entry: most entries are read without it.
    const locationOf = (): string => `${prefix}entry[${i}]`;
    const entry = obj(entries[i]);
    if (!entry) {
      errors.push({ file, location: locationOf(), message: 'entry is not an object' });
      continue;
    }
    if (entry.resource === undefined) continue; // DELETE requests and search links carry no resource
    const resource = obj(entry.resource);
    const type = str(resource?.resourceType);
    if (!resource || type === undefined) {
      const location = locationOf();
      errors.push({ file, location, message: 'entry.resource has no resourceType' });
      gaps.push({ kind: 'any', severity: 'unread', where: `${file} ${location}`, reason: `${file} ${location} could not be read: it has no resourceType` });
      continue;
    }
    if (type === 'OperationOutcome') {
      // A search answered with an OperationOutcome did not give everything it was asked for.
      const gap = gapOfOutcome(kind, resource, `${file} ${locationOf()}`);
      if (gap) gaps.push(gap);
      continue;
    }
    if (type === 'Bundle') {
      if (depth < MAX_NESTING) collectEntries(collector, resource, `${locationOf()}.resource.`, depth + 1);
      else errors.push({ file, location: locationOf(), message: 'Bundle nested too deep; not read' });
      continue;
    }
    // Every entry's urn is registered, kept or not, so references to it are rewritten too.
    const fullUrl = str(entry.fullUrl);
    if (fullUrl !== undefined && fullUrl.startsWith('urn:')) {
      if (str(resource.id) === undefined) resource.id = fullUrl.slice(fullUrl.lastIndexOf(':') + 1);
      urnTargets.set(fullUrl, `${type}/${String(resource.id)}`);
    }
    if (keep === undefined || keep.has(type)) resources.push(resource as unknown as Resource);
  }
}
