import type { Bundle, Resource } from '@medplum/fhirtypes';
import { EligoError } from '../../errors/eligo-error';
import { displayBaseUrl } from '../http/describe-request';
import { sendOk, type FhirHttp } from '../http/fhir-http';
import { locationKey } from '../http/location';
import { portableTransaction, SOURCE_TAG_SYSTEM } from './portable';

export interface RemoteLoadResult {
  resources: number;
  byType: Record<string, number>;
  references: Record<string, string>;
  /** True when the file's patient was on the server already (loaded before): nothing sent. */
  skipped: boolean;
}

/**
 * Loads FHIR files into any R4 server (`eligo load`), one transaction per file, portable
 * (portable.ts). A file whose patient already carries its source tag on the server was loaded
 * before and is skipped, so loading twice does not duplicate. Every entry's status is checked:
 * a server that applies a transaction entry by entry may answer 200 with failed entries.
 */
export class RemoteLoader {
  constructor(private readonly http: FhirHttp) {}

  async load(input: Resource | readonly Resource[] | Bundle): Promise<RemoteLoadResult> {
    const { resources, fullUrls } = resourcesOf(input);
    const portable = portableTransaction(resources, fullUrls);
    const byType: Record<string, number> = {};
    if (portable.patients.length > 0 && (await this.loadedBefore(portable.patients[0] as string))) {
      return { resources: 0, byType, references: {}, skipped: true };
    }
    const response = await sendOk(this.http, { method: 'POST', url: '', body: portable.bundle, idempotent: false, label: `POST / (transaction of ${resources.length} resources)` });
    const answer = response.body as Bundle | undefined;
    const entries = answer?.entry ?? [];
    const failed = entries.flatMap((e, i) => (/^2\d\d/.test(e.response?.status ?? '') ? [] : [`${resources[i]?.resourceType ?? '?'} (entry ${i}): ${e.response?.status ?? 'no status'}`]));
    if (answer?.type !== 'transaction-response' || entries.length !== resources.length || failed.length > 0) {
      throw new EligoError(
        'ERR_FHIR_REQUEST_FAILED',
        `FHIR server ${displayBaseUrl(this.http.baseUrl)} did not store every resource of the file${failed.length ? `: ${failed.slice(0, 5).join('; ')}${failed.length > 5 ? ` and ${failed.length - 5} more` : ''}` : ''}`,
      );
    }
    const references: Record<string, string> = {};
    resources.forEach((r, i) => {
      byType[r.resourceType] = (byType[r.resourceType] ?? 0) + 1;
      const key = locationKey(entries[i]?.response?.location);
      if (r.id && key) references[`${r.resourceType}/${r.id}`] = key;
    });
    return { resources: resources.length, byType, references, skipped: false };
  }

  private async loadedBefore(patient: string): Promise<boolean> {
    const response = await sendOk(this.http, { method: 'GET', url: `Patient?_tag=${encodeURIComponent(`${SOURCE_TAG_SYSTEM}|${patient}`)}&_count=1`, idempotent: true });
    return ((response.body as Bundle | undefined)?.entry ?? []).length > 0;
  }
}

function resourcesOf(input: Resource | readonly Resource[] | Bundle): { resources: Resource[]; fullUrls: Map<Resource, string> } {
  const fullUrls = new Map<Resource, string>();
  if (Array.isArray(input)) return { resources: [...(input as readonly Resource[])], fullUrls };
  const single = input as Resource;
  if (single.resourceType !== 'Bundle') return { resources: [single], fullUrls };
  const resources: Resource[] = [];
  for (const entry of (single as Bundle).entry ?? []) {
    if (!entry.resource) continue;
    resources.push(entry.resource);
    if (entry.fullUrl) fullUrls.set(entry.resource, entry.fullUrl);
  }
  return { resources, fullUrls };
}
