import type { Medication, Resource } from '@medplum/fhirtypes';
import type { ServerCapabilities } from './capabilities';
import type { FhirHttp } from './http/fhir-http';
import { httpError } from './http/fhir-http';
import { asBundle, collectPages } from './paging';
import { readMany } from './read-many';

const MEDICATION_USE = new Set(['MedicationRequest', 'MedicationStatement', 'MedicationAdministration']);
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Ids of the Medication resources that medicationReference values point at and that are not
 * in hand. Contained ("#x") medications travel inside their resource; a reference to another
 * server cannot be followed with this server's token and is reported instead.
 */
export function missingMedicationReferences(
  resources: Iterable<Resource>,
  baseUrl: string,
  warnings: { where: string; message: string }[],
): string[] {
  const all = [...resources];
  const have = new Set(all.filter((r) => r.resourceType === 'Medication').map((r) => r.id));
  const wanted = new Set<string>();
  for (const resource of all) {
    if (!MEDICATION_USE.has(resource.resourceType)) continue;
    const reference = (resource as { medicationReference?: { reference?: unknown } }).medicationReference?.reference;
    if (typeof reference !== 'string' || reference.startsWith('#')) continue;
    const id = localMedicationId(reference, baseUrl);
    const where = `${resource.resourceType}/${resource.id ?? ''}`;
    if (id === undefined) warnings.push({ where, message: 'its medicationReference points outside this FHIR server; not read' });
    else if (!have.has(id)) wanted.add(id);
  }
  return [...wanted];
}

function localMedicationId(reference: string, baseUrl: string): string | undefined {
  const relative = reference.startsWith(`${baseUrl}/`) ? reference.slice(baseUrl.length + 1) : reference;
  const match = /^Medication\/([^/]+)(?:\/_history\/[^/]+)?$/.exec(relative);
  return match?.[1] !== undefined && ID.test(match[1]) ? match[1] : undefined;
}

/**
 * The named Medication resources: reads in one batch when the server offers batch, otherwise
 * `Medication?_id=a,b,c` searches (50 ids each) followed through their pages. A Medication the
 * server does not have is a warning: the engine then matches that use by text only, or not.
 */
export async function readMedications(
  http: FhirHttp,
  capabilities: ServerCapabilities,
  ids: readonly string[],
  settings: { pageSize: number; concurrency: number },
  warnings: { where: string; message: string }[],
): Promise<Medication[]> {
  if (ids.length === 0) return [];
  const found: Medication[] = [];
  if (capabilities.batch) {
    const reads = await readMany(http, capabilities, ids.map((id) => `Medication/${id}`), settings.concurrency);
    for (const read of reads) {
      if (read.status === 404 || read.status === 410) warnings.push({ where: read.url, message: 'referenced but not on the server' });
      else if (read.status < 200 || read.status >= 300) throw httpError(http, { method: 'GET', url: read.url, idempotent: true }, read);
      else found.push(read.body as Medication);
    }
    return found;
  }
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    const url = `Medication?_id=${chunk.map(encodeURIComponent).join(',')}&_count=${Math.max(settings.pageSize, chunk.length)}`;
    const [read] = await readMany(http, capabilities, [url], 1);
    if (!read || read.status < 200 || read.status >= 300) throw httpError(http, { method: 'GET', url, idempotent: true }, read ?? { status: 0, body: undefined });
    const entries = await collectPages(http, asBundle(http, read.body, 'GET Medication?_id=…'), 'GET Medication?_id=…');
    found.push(...entries.flatMap((e) => (e.resource?.resourceType === 'Medication' ? [e.resource] : [])));
  }
  const got = new Set(found.map((m) => m.id));
  for (const id of ids) if (!got.has(id)) warnings.push({ where: `Medication/${id}`, message: 'referenced but not on the server' });
  return found;
}
