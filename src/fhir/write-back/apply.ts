import { randomUUID } from 'node:crypto';
import { EligoError } from '../../errors/eligo-error';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import type { FhirHttp, FhirHttpRequest } from '../http/fhir-http';
import { httpError, sendOk } from '../http/fhir-http';
import { displayBaseUrl } from '../http/describe-request';
import { locationKey, resourceKey } from '../http/location';

/** One write of the plan. `fullUrl` (urn:uuid) stands for the resource until the server names it. */
export interface PlannedWrite {
  fullUrl: string;
  method: 'POST' | 'PUT' | 'DELETE';
  url: string;
  resource?: Resource;
  ifMatch?: string;
  ifNoneExist?: string;
}

export function placeholder(): string {
  return `urn:uuid:${randomUUID()}`;
}

/**
 * Runs the plan as one transaction Bundle: the server rewrites the urn:uuid references and a
 * failure (a 412 from If-Match included) leaves nothing written. Returns "Type/id" per write.
 */
export async function applyAsTransaction(http: FhirHttp, writes: readonly PlannedWrite[]): Promise<string[]> {
  const request: FhirHttpRequest = {
    method: 'POST',
    url: '',
    idempotent: false,
    label: `POST / (transaction of ${writes.length} writes)`,
    body: {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: writes.map((w) => ({
        fullUrl: w.fullUrl,
        ...(w.resource ? { resource: w.resource } : {}),
        request: {
          method: w.method,
          url: w.url,
          ...(w.ifMatch ? { ifMatch: w.ifMatch } : {}),
          ...(w.ifNoneExist ? { ifNoneExist: w.ifNoneExist } : {}),
        },
      })),
    } satisfies Bundle,
  };
  const response = await sendOk(http, request);
  const bundle = response.body as Bundle | undefined;
  const entries = bundle?.entry ?? [];
  if (bundle?.type !== 'transaction-response' || entries.length !== writes.length) {
    throw new EligoError('ERR_FHIR_REQUEST_FAILED', `FHIR server ${displayBaseUrl(http.baseUrl)} answered the write-back transaction with something other than a transaction-response`);
  }
  const keys = writes.map((w, i) => {
    const entry = entries[i];
    return w.method === 'DELETE' ? w.url : locationKey(entry?.response?.location) ?? resourceKey(entry?.resource) ?? w.url;
  });
  // A server that applies transactions entry by entry answers 200 with each entry's own status.
  const refused = new Set<number>();
  writes.forEach((w, i) => {
    const code = Number(/^\d{3}/.exec(entries[i]?.response?.status ?? '')?.[0] ?? 0);
    const gone = w.method === 'DELETE' && (code === 404 || code === 410);
    if (!(code >= 200 && code < 300) && !gone) refused.add(i);
  });
  if (refused.size > 0) {
    throw new PartialWrite(
      keys.filter((_, i) => !refused.has(i)),
      [...refused].map((i) => ({ write: describe(writes[i] as PlannedWrite), status: entries[i]?.response?.status ?? 'no status' })),
    );
  }
  return keys;
}

/** A transaction the server applied in part: what it stored, and what it refused with which status. */
export class PartialWrite extends Error {
  constructor(
    readonly applied: string[],
    readonly failed: { write: string; status: string }[],
  ) {
    super(`the server applied ${applied.length} of ${applied.length + failed.length} writes; refused ${failed.map((f) => `${f.write} (${f.status})`).join(', ')}`);
    this.name = 'PartialWrite';
  }
}

function describe(write: PlannedWrite): string {
  return `${write.method} ${write.url}`;
}

/**
 * Without transactions: the writes one by one in plan order (each only references writes before
 * it), urn:uuid references replaced as the server names each resource. A failure part-way leaves
 * the earlier writes in place; the next run completes them (every write is idempotent).
 */
export async function applyInOrder(http: FhirHttp, writes: readonly PlannedWrite[]): Promise<string[]> {
  const named = new Map<string, string>();
  const out: string[] = [];
  for (const write of writes) {
    const headers: Record<string, string> = {};
    if (write.ifMatch) headers['if-match'] = write.ifMatch;
    if (write.ifNoneExist) headers['if-none-exist'] = write.ifNoneExist;
    const request: FhirHttpRequest = {
      method: write.method,
      url: write.url,
      idempotent: false,
      headers,
      ...(write.resource ? { body: substitute(write.resource, named) } : {}),
    };
    const response = await http.send(request);
    if (write.method === 'DELETE' && (response.status === 404 || response.status === 410)) {
      out.push(write.url);
      continue;
    }
    if (response.status < 200 || response.status >= 300) {
      // The writes before this one stay: say so, so the caller repairs rather than reports nothing written.
      if (out.length > 0 && response.status < 500) throw new PartialWrite(out, [{ write: describe(write), status: String(response.status) }]);
      throw httpError(http, request, response);
    }
    const key = locationKey(response.headers.get('location') ?? undefined) ?? resourceKey(response.body as Resource | undefined) ?? write.url;
    named.set(write.fullUrl, key);
    out.push(key);
  }
  return out;
}

function substitute(resource: Resource, named: ReadonlyMap<string, string>): Resource {
  let text = JSON.stringify(resource);
  for (const [urn, key] of named) text = text.split(JSON.stringify(urn)).join(JSON.stringify(key));
  return JSON.parse(text) as Resource;
}
